"""The FHIR app's header link: partner systems, for a hub administrator."""

from carehub.tenancy.models import Role

NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("Partner systems", "fhir:partners", (Role.HUB_ADMIN,)),
]

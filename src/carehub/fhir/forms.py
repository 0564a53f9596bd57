"""Forms of the FHIR pages: registering a partner system and changing its keys."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet

from carehub.tenancy.models import ROLES_BY_KIND, Organisation, Role

# The resource types of the API, in the order the scope grid lists them; "*" is every type.
RESOURCE_TYPES = ("*", "Patient", "Organization", "HealthcareService", "Location", "Consent",
                  "Condition", "Goal", "ServiceRequest", "Task", "Procedure",
                  "QuestionnaireResponse", "Observation")
LETTERS = (("c", "create"), ("r", "read"), ("u", "update"), ("d", "delete"), ("s", "search"))
JWKS_UPLOAD_MAX_BYTES = 64 * 1024


def scope_grid() -> list[tuple[str, list[tuple[str, str]]]]:
    """Rows of the scope checkboxes: (type label, [(value, letter name)...])."""
    return [("Every type" if t == "*" else t, [(f"{t}.{c}", name) for c, name in LETTERS])
            for t in RESOURCE_TYPES]


def scopes_from_grid(ticked: list[str]) -> str:
    """system/<Type>.<letters> per type from ticked "<Type>.<letter>" boxes."""
    by_type: dict[str, set[str]] = {}
    for value in ticked:
        rtype, _, letter = value.partition(".")
        by_type.setdefault(rtype, set()).add(letter)
    return " ".join(f"system/{t}.{''.join(c for c, _ in LETTERS if c in by_type[t])}"
                    for t in RESOURCE_TYPES if t in by_type)


class KeysForm(forms.Form):
    jwks = forms.CharField(
        label="Public keys (JWK Set)", required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
        help_text='Paste the partner\'s JWK Set: {"keys": [...]}, public RSA (2048 bits or '
                  'more) or EC P-384 keys only.')
    jwks_file = forms.FileField(label="…or upload it (.json)", required=False)
    jwks_url = forms.URLField(
        label="…or the URL the partner publishes it at", required=False, assume_scheme="https",
        help_text="https; fetched when a token is asked for, kept a few minutes.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("jwks_file")
        if upload is not None:
            if upload.size > JWKS_UPLOAD_MAX_BYTES:
                self.add_error("jwks_file", f"The file is larger than {JWKS_UPLOAD_MAX_BYTES // 1024} KB.")
                return data
            try:
                data["jwks"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("jwks_file", "The file is not UTF-8 text.")
                return data
        given = [bool((data.get("jwks") or "").strip()), bool(data.get("jwks_url"))]
        if sum(given) != 1:
            raise forms.ValidationError("Give the public keys one way: pasted, uploaded or a URL.")
        if data.get("jwks"):
            try:
                data["jwks"] = json.loads(data["jwks"])
            except ValueError as exc:
                self.add_error("jwks", f"This is not JSON: {exc}")
        return data


class PartnerSystemForm(KeysForm):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(),
                                          label="Organisation it acts for")
    name = forms.CharField(max_length=200, label="Name of the system",
                           help_text="As the partner calls it, e.g. Mercy EHR.")
    role = forms.ChoiceField(
        required=False, label="Acts in the role of",
        help_text="Left blank: a hub coordinator, CBO frontline worker or plan analyst, by the "
                  "organisation's kind. The token sees what a person in this role sees.")
    scope = forms.MultipleChoiceField(required=True, label="Scopes",
                                      widget=forms.CheckboxSelectMultiple)

    field_order = ["organisation", "name", "role", "scope", "jwks", "jwks_file", "jwks_url"]

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["role"].choices = [("", "The default for its kind"),  # type: ignore[attr-defined]
                                       *[(r.value, r.label) for r in Role if r != Role.HUB_ADMIN]]
        self.fields["scope"].choices = [(value, value) for _, row in scope_grid()  # type: ignore[attr-defined]
                                        for value, _ in row]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        org, role = data.get("organisation"), data.get("role")
        if org is not None and role and role not in ROLES_BY_KIND[org.kind]:
            self.add_error("role", f"A {org.get_kind_display()} has no {Role(role).label} role.")
        if data.get("scope"):
            data["scopes"] = scopes_from_grid(data["scope"])
        return data

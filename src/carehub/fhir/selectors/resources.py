"""carehub's own rows as FHIR resources, read for the acting organisation.

Each type has a `Native` source: the rows the organisation may see (the same rules as
the pages: members through their access grants, the directory through its visibility,
and what another organisation recorded about a member only while the member's
data-sharing consent is active — referrals.selectors' sharing rule, applied in SQL so
paging stays exact), the column that orders them by change, how a FHIR id finds a row,
and the search parameters. Rows that arrived by FHIR are read from the received store
(selectors/records.py) after these.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from carehub.core.screening import INSTRUMENTS
from carehub.fhir.mapping import (
    condition,
    consent,
    directory,
    goal,
    organization,
    patient,
    screening,
)
from carehub.fhir.search import SearchError, parse_token, reference_id
from carehub.members.models import Member
from carehub.network.models import OrganisationProfile, Service
from carehub.network.selectors import visible_locations, visible_profiles, visible_services
from carehub.referrals.models import Consent, ConsentKind, Need, Screening
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind

Filter = Callable[[QuerySet[Any], str], QuerySet[Any]]


@dataclass(frozen=True)
class Native:
    resource_type: str
    rows: Callable[[Acting], QuerySet[Any]]
    order: str  # the change time the rows are ordered and `_lastUpdated` filtered by
    by_id: Callable[[QuerySet[Any], str], QuerySet[Any]]
    to_fhir: Callable[[Any, Acting], list[dict[str, Any]]]
    params: dict[str, Filter] = field(default_factory=dict)
    member_of: Callable[[Any], int | None] = lambda row: getattr(row, "member_id", None)


def _pk(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(pk=int(value)) if value.isdigit() and len(value) < 19 else qs.none()


def _uuid(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    try:
        return qs.filter(pk=uuid.UUID(value))
    except ValueError:
        return qs.none()


def _member_ref(qs: QuerySet[Any], value: str, param: str = "patient") -> QuerySet[Any]:
    ident = reference_id(value, "Patient", param)
    return qs.filter(member_id=int(ident)) if ident.isdigit() and len(ident) < 19 else qs.none()


def _shared(org: Organisation) -> Q:
    """Recorded by `org`, or about a member with an active data-sharing consent."""
    today = timezone.localdate()
    consenting = (Consent.objects.filter(kind=ConsentKind.DATA_SHARING, revoked_at__isnull=True,
                                         given_on__lte=today)
                  .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
                  .values("member_id"))
    return Q(organisation=org) | Q(member_id__in=consenting)


# -- Patient -------------------------------------------------------------------------------
def _patients(acting: Acting) -> QuerySet[Member]:
    return Member.objects.filter(access__organisation=acting.organisation).select_related("plan")


def _patient_identifier(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    system, code = parse_token(value)
    if not code:
        raise SearchError("identifier", "identifier needs a value (system|value or value)")
    qs = qs.filter(member_id=code)
    if system:
        slugs = [o.slug for o in Organisation.objects.filter(kind=OrganisationKind.PAYER)
                 if patient.member_id_system(o.slug) == system]
        qs = qs.filter(plan__slug__in=slugs)
    return qs


def _family(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(last_name__istartswith=value)


def _birthdate(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    from carehub.fhir.search import date_range, split_prefix

    prefix, rest = split_prefix(value)
    if prefix != "eq":
        raise SearchError("birthdate", "birthdate takes a plain date (eq)")
    start, _end = date_range("birthdate", rest)
    return qs.filter(birth_date=start.date())


# -- Organization --------------------------------------------------------------------------
def _organisations(acting: Acting) -> QuerySet[Organisation]:
    """Itself, the organisations of the directory it sees, and the plans of the members
    it sees."""
    org = acting.organisation
    directory_orgs = visible_services(org).values("organisation_id")
    profile_orgs = visible_profiles(org).values("organisation_id")
    plans = Member.objects.filter(access__organisation=org).values("plan_id")
    return Organisation.objects.filter(
        Q(pk=org.pk) | Q(pk__in=directory_orgs) | Q(pk__in=profile_orgs) | Q(pk__in=plans))


def _organization_fhir(org: Organisation, acting: Acting) -> list[dict[str, Any]]:
    profile = (OrganisationProfile.objects.filter(organisation=org).first()
               if _sees_profile(acting, org) else None)
    return [organization.organization(org, profile=profile)]


def _sees_profile(acting: Acting, org: Organisation) -> bool:
    return visible_profiles(acting.organisation).filter(organisation=org).exists()


def _org_identifier(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    from carehub.fhir.mapping.common import NPI, TIN, site_system

    system, code = parse_token(value)
    fields = {NPI: "npi", TIN: "tin", site_system("sid/organisation"): "slug"}
    if system:
        if system not in fields:
            return qs.none()
        return qs.filter(**{fields[system]: code})
    return qs.filter(Q(npi=code) | Q(tin=code) | Q(slug=code))


def _org_name(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(Q(name__icontains=value) | Q(legal_name__icontains=value))


# -- directory -----------------------------------------------------------------------------
def _by_organization(column: str) -> Filter:
    def apply(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        ident = reference_id(value, "Organization", "organization")
        return qs.filter(**{column: int(ident)}) if ident.isdigit() else qs.none()
    return apply


def _service_location(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    ident = reference_id(value, "Location", "location")
    try:
        return qs.filter(at_locations__location_id=uuid.UUID(ident))
    except ValueError:
        return qs.none()


def _service_fhir(service: Service, acting: Acting) -> list[dict[str, Any]]:
    sites = [sal.location for sal in service.at_locations.all()]
    profile = visible_profiles(acting.organisation).filter(
        organisation_id=service.organisation_id).first()
    return [directory.healthcare_service(service, locations=sites, directory=profile)]


def _postal(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(postal_code__startswith=value)


# -- member records ------------------------------------------------------------------------
def _needs(acting: Acting) -> QuerySet[Need]:
    org = acting.organisation
    return Need.objects.filter(member__access__organisation=org).filter(_shared(org))


def _screenings(acting: Acting) -> QuerySet[Screening]:
    org = acting.organisation
    return (Screening.objects.filter(member__access__organisation=org,
                                     instrument__in=list(INSTRUMENTS))
            .filter(_shared(org)))


def _consents(acting: Acting) -> QuerySet[Any]:
    return (Consent.objects.filter(member__access__organisation=acting.organisation)
            .annotate(changed=Coalesce(F("revoked_at"), F("recorded_at"))))


def _consent_status(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    today = timezone.localdate()
    active = Q(revoked_at__isnull=True) & (Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    if value == "active":
        return qs.filter(active)
    if value == "inactive":
        return qs.exclude(active)
    return qs.none()


def _need_category(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    from carehub.fhir.mapping.common import SDOH_DOMAIN_CODES, TEMP_CODES, US_CORE_CATEGORY

    system, code = parse_token(value)
    domains = [d for d, (c, _display) in SDOH_DOMAIN_CODES.items()
               if c == code and system in (None, TEMP_CODES)]
    if domains:
        return qs.filter(domain__in=domains)
    if code in ("sdoh-category-unspecified",) and system in (None, TEMP_CODES):
        return qs
    if (code == "sdoh" and system in (None, US_CORE_CATEGORY)) or (
            code == "health-concern" and system in (None, condition.CONDITION_CATEGORY)):
        return qs
    return qs.none()


def _need_code(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    from carehub.fhir.mapping.common import ICD10CM

    system, code = parse_token(value)
    if system not in (None, ICD10CM):
        return qs.none()
    return qs.filter(icd10=code)


def _clinical_status(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    statuses = [k for k, v in condition.CLINICAL_STATUS.items() if v == parse_token(value)[1]]
    return qs.filter(status__in=statuses)


def _lifecycle(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    statuses = [k for k, v in goal.LIFECYCLE.items() if v == value]
    return qs.filter(status__in=statuses)


def _observation_by_id(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    head = value.split("-", 1)[0]
    return _pk(qs, head)


def _observation_fhir(row: Screening, acting: Acting) -> list[dict[str, Any]]:
    return screening.screening_observations(row)


def _observation_code(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    from carehub.fhir.mapping.common import LOINC

    system, code = parse_token(value)
    if system not in (None, LOINC):
        return qs.none()
    items = [i.loinc for inst in INSTRUMENTS.values() for i in inst.items]
    return qs if code in items else qs.none()  # refined per resource by the view


NATIVE: dict[str, Native] = {
    "Patient": Native("Patient", _patients, "updated_at", _pk,
                      lambda m, a: [patient.patient(m)],
                      {"identifier": _patient_identifier, "family": _family,
                       "birthdate": _birthdate},
                      member_of=lambda m: m.pk),
    "Organization": Native("Organization", _organisations, "created_at", _pk,
                           _organization_fhir,
                           {"identifier": _org_identifier, "name": _org_name},
                           member_of=lambda o: None),
    "Location": Native("Location", lambda a: visible_locations(a.organisation), "updated_at",
                       _uuid, lambda loc, a: [directory.location(loc)],
                       {"organization": _by_organization("organisation_id"),
                        "address-postalcode": _postal},
                       member_of=lambda o: None),
    "HealthcareService": Native(
        "HealthcareService",
        lambda a: visible_services(a.organisation).select_related("service_type")
        .prefetch_related("at_locations__location"),
        "updated_at", _uuid, _service_fhir,
        {"organization": _by_organization("organisation_id"), "location": _service_location},
        member_of=lambda o: None),
    "Consent": Native("Consent", _consents, "changed", _pk,
                      lambda c, a: [consent.consent(c)],
                      {"patient": _member_ref, "status": _consent_status}),
    "Condition": Native("Condition", _needs, "at", _pk, lambda n, a: [condition.condition(n)],
                        {"patient": _member_ref,
                         "subject": lambda qs, v: _member_ref(qs, v, "subject"),
                         "category": _need_category, "code": _need_code,
                         "clinical-status": _clinical_status}),
    "Goal": Native("Goal", _needs, "at", _pk, lambda n, a: [goal.goal(n)],
                   {"patient": _member_ref, "subject": lambda qs, v: _member_ref(qs, v, "subject"),
                    "lifecycle-status": _lifecycle}),
    "QuestionnaireResponse": Native(
        "QuestionnaireResponse", _screenings, "at", _pk,
        lambda s, a: [screening.questionnaire_response(s)],
        {"patient": _member_ref, "subject": lambda qs, v: _member_ref(qs, v, "subject")}),
    "Observation": Native(
        "Observation", _screenings, "at", _observation_by_id, _observation_fhir,
        {"patient": _member_ref, "subject": lambda qs, v: _member_ref(qs, v, "subject"),
         "code": _observation_code, "category": lambda qs, v: qs,
         "derived-from": lambda qs, v: _pk(qs, reference_id(v, "QuestionnaireResponse",
                                                            "derived-from"))}),
}

# Where a search parameter lives in a resource, for rows filtered after mapping (the
# received store, and Observations that share one screening row): (element path, kind).
JSON_PARAMS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "Patient": {"identifier": (("identifier",), "token"), "family": (("name", "family"), "prefix"),
                "birthdate": (("birthDate",), "string")},
    "Organization": {"identifier": (("identifier",), "token"), "name": (("name",), "contains")},
    "Location": {"organization": (("managingOrganization",), "reference"),
                 "address-postalcode": (("address", "postalCode"), "prefix")},
    "HealthcareService": {"organization": (("providedBy",), "reference"),
                          "location": (("location",), "reference")},
    "Consent": {"patient": (("patient",), "reference"), "status": (("status",), "string")},
    "Condition": {"patient": (("subject",), "reference"), "subject": (("subject",), "reference"),
                  "category": (("category", "coding"), "token"),
                  "code": (("code", "coding"), "token"),
                  "clinical-status": (("clinicalStatus", "coding"), "token")},
    "Goal": {"patient": (("subject",), "reference"), "subject": (("subject",), "reference"),
             "lifecycle-status": (("lifecycleStatus",), "string")},
    "QuestionnaireResponse": {"patient": (("subject",), "reference"),
                              "subject": (("subject",), "reference")},
    "Observation": {"patient": (("subject",), "reference"), "subject": (("subject",), "reference"),
                    "code": (("code", "coding"), "token"),
                    "category": (("category", "coding"), "token"),
                    "derived-from": (("derivedFrom",), "reference")},
}


def json_values(resource: Any, path: tuple[str, ...]) -> list[Any]:
    values = [resource]
    for name in path:
        nxt: list[Any] = []
        for value in values:
            if isinstance(value, dict) and name in value:
                item = value[name]
                nxt += item if isinstance(item, list) else [item]
        values = nxt
    return values


def json_matches(resource: dict[str, Any], resource_type: str, param: str, value: str) -> bool:
    """Does `resource` match one value of `param` (commas are alternatives)?"""
    from carehub.fhir.search import token_matches

    spec = JSON_PARAMS.get(resource_type, {}).get(param)
    if spec is None:
        return True
    path, kind = spec
    found = json_values(resource, path)
    for alternative in value.split(","):
        if kind == "token":
            items = [f if isinstance(f, dict) else {"code": f} for f in found]
            if token_matches(items, alternative):
                return True
        elif kind == "reference":
            for ref in found:
                text = ref.get("reference", "") if isinstance(ref, dict) else ""
                if text and (text == alternative or text.endswith("/" + alternative.split("/")[-1])
                             and (("/" not in alternative) or text.endswith(alternative))):
                    return True
        elif kind == "prefix":
            if any(isinstance(f, str) and f.lower().startswith(alternative.lower()) for f in found):
                return True
        elif kind == "contains":
            if any(isinstance(f, str) and alternative.lower() in f.lower() for f in found):
                return True
        elif any(f == alternative for f in found):
            return True
    return False

"""Reading referrals as FHIR Tasks, ServiceRequests and Procedures, always for the acting
organisation.

What a partner system sees is what a user of its organisation sees
(`referrals.selectors.referrals_for`: the referrals it owns, hubs or pays for), and, since
FHIR shares a member's record with another system, only while the member has an active
data-sharing consent (`referrals.selectors.active_consent`): a revoked consent stops the
Task, its ServiceRequest and its Procedures being served (404) or listed.

Task polling (`Task?owner=Organization/X&_lastUpdated=gtT`) is a keyset over
(updated_at, id), ascending: each page's `next` link carries the last row's pair, so
the query is an index range scan on (organisation | hub, updated_at, id) however far the
client has paged.

The querysets here are built with django-scopes' filter off: its filter for referrals
is a join through the member's access rows, which `referrals_for` already implies (the
referral's owner, hub or plan is the acting organisation), and with it PostgreSQL sorts
every matching row of a busy CBO before taking a page (seconds at 1M referrals) instead
of reading the index in order (milliseconds). Each query names the acting organisation
explicitly and row-level security still applies to every table read.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_scopes import scopes_disabled

from carehub.core.referral_states import FHIR_TASK, State
from carehub.fhir.mapping import referral as mapping
from carehub.fhir.models.tasks import ProcedureRecord, ReferralLink
from carehub.referrals.models import Consent, ConsentKind, Referral, ServiceDelivery
from carehub.referrals.selectors import referrals_for
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

DEFAULT_COUNT = 50
MAX_COUNT = 500


class SearchError(ValueError):
    """A search parameter refused; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message)


def consented() -> Exists:
    """An active data-sharing consent for the row's member, today."""
    today = timezone.localdate()
    with scopes_disabled():
        consents = Consent.objects.all()
    return Exists(consents.filter(
        member_id=OuterRef("member_id"), kind=ConsentKind.DATA_SHARING,
        revoked_at__isnull=True, given_on__lte=today,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today)))


def shared_referrals(acting: Acting) -> QuerySet[Referral]:
    """The referrals the acting organisation may see through FHIR."""
    with scopes_disabled():
        return referrals_for(acting.organisation).filter(consented())


def shared_deliveries(acting: Acting) -> QuerySet[ServiceDelivery]:
    with scopes_disabled():
        return ServiceDelivery.objects.filter(
            referral__in=shared_referrals(acting).values("pk"))


# --- rows to resources -----------------------------------------------------------------


@dataclass
class Loaded:
    """What the mapping needs beside the referrals, read once for a page of them."""

    links: dict[int, ReferralLink] = field(default_factory=dict)
    deliveries: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    names: dict[int, str] = field(default_factory=dict)


def load(referrals: Iterable[Referral]) -> Loaded:
    rows = list(referrals)
    pks = [r.pk for r in rows]
    loaded = Loaded()
    if not pks:
        return loaded
    # The referrals were read for the acting organisation; these rows hang off them.
    with scopes_disabled():
        loaded.links = {link.referral_id: link for link in
                        ReferralLink.objects.filter(referral_id__in=pks)}
        for referral_id, pk in (ServiceDelivery.objects.filter(referral_id__in=pks)
                                .order_by("date", "pk").values_list("referral_id", "pk")):
            loaded.deliveries[referral_id].append(pk)
        org_ids = {r.organisation_id for r in rows}
        loaded.names = dict(Organisation.objects.filter(pk__in=org_ids)
                            .values_list("pk", "name"))
    return loaded


def task_resource(referral: Referral, loaded: Loaded) -> dict[str, Any]:
    return mapping.task(referral, link=loaded.links.get(referral.pk),
                        delivery_pks=loaded.deliveries.get(referral.pk, []),
                        owner_name=loaded.names.get(referral.organisation_id, ""))


def service_request_resource(referral: Referral, loaded: Loaded) -> dict[str, Any]:
    name = referral.service.name if referral.service_id and referral.service else ""
    return mapping.service_request(referral, link=loaded.links.get(referral.pk),
                                   service_name=name,
                                   owner_name=loaded.names.get(referral.organisation_id, ""))


def procedure_resource(delivery: ServiceDelivery) -> dict[str, Any]:
    with scopes_disabled():
        record = ProcedureRecord.objects.filter(delivery=delivery).first()
    referral = delivery.referral
    name = delivery.service.name if delivery.service_id and delivery.service else ""
    return mapping.procedure(delivery, service_type=referral.service_type, service_name=name,
                             received=record.resource if record else None,
                             owner_name=delivery.organisation.name)


# --- reads by id -------------------------------------------------------------------------


def get_referral(acting: Acting, logical_id: str) -> Referral | None:
    pk = mapping.own_pk(logical_id, mapping.TASK_PREFIX)
    if pk is None:
        return None
    return (shared_referrals(acting).select_related("organisation", "service")
            .filter(pk=pk).first())


def get_source_link(acting: Acting, logical_id: str) -> ReferralLink | None:
    """A source's Task (or ServiceRequest) as its sender's organisation sees it."""
    with scopes_disabled():
        link = (ReferralLink.objects.select_related("referral", "referral__organisation")
                .filter(organisation=acting.organisation, source_task_id=logical_id).first())
    if link is None or not shared_referrals(acting).filter(pk=link.referral_id).exists():
        return None
    return link


def get_source_request_link(acting: Acting, logical_id: str) -> ReferralLink | None:
    with scopes_disabled():
        link = (ReferralLink.objects.select_related("referral")
                .filter(organisation=acting.organisation,
                        source_service_request_id=logical_id).order_by("-pk").first())
    if link is None or not shared_referrals(acting).filter(pk=link.referral_id).exists():
        return None
    return link


def source_task_resource(link: ReferralLink) -> dict[str, Any]:
    with scopes_disabled():
        deliveries = list(ServiceDelivery.objects.filter(referral_id=link.referral_id)
                          .order_by("date", "pk").values_list("pk", flat=True))
    return mapping.source_task(link, link.referral, delivery_pks=deliveries)


def get_delivery(acting: Acting, logical_id: str) -> ServiceDelivery | None:
    pk = mapping.own_pk(logical_id, mapping.PROCEDURE_PREFIX)
    if pk is None:
        return None
    return (shared_deliveries(acting).select_related("referral", "organisation", "service")
            .filter(pk=pk).first())


# --- search ------------------------------------------------------------------------------


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    includes: list[dict[str, Any]] = field(default_factory=list)


def _instant_range(raw: str, param: str) -> tuple[datetime, datetime]:
    """The span a FHIR date or dateTime covers: a day, or the instant given."""
    text = raw.strip()
    moment = parse_datetime(text) if "T" in text else None
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment, moment
    day = parse_date(text) if len(text) == 10 else None
    if day is None:
        raise SearchError(param, f"{param}: {raw!r} is not a FHIR date or dateTime "
                                 f"(e.g. gt2026-12-01T10:00:00Z).")
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


PREFIXES = ("gt", "ge", "lt", "le", "eq")


def last_updated(values: list[str], field_name: str = "updated_at") -> Q:
    """`_lastUpdated` with the FHIR prefixes (gt, ge, lt, le, eq; none = eq)."""
    q = Q()
    for value in values:
        prefix = value[:2] if value[:2] in PREFIXES else "eq"
        body = value[2:] if value[:2] in PREFIXES else value
        start, end = _instant_range(body, "_lastUpdated")
        point = start == end
        if prefix == "gt":
            q &= Q(**{f"{field_name}__gt" if point else f"{field_name}__gte": end})
        elif prefix == "ge":
            q &= Q(**{f"{field_name}__gte": start})
        elif prefix == "lt":
            q &= Q(**{f"{field_name}__lt": start})
        elif prefix == "le":
            q &= Q(**{f"{field_name}__lte" if point else f"{field_name}__lt": end})
        elif point:
            q &= Q(**{field_name: start})
        else:
            q &= Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return q


def reference_id(value: str, kind: str, param: str) -> str:
    text = value.strip()
    if "/" in text:
        head, _, tail = text.rpartition("/")
        if not head.endswith(kind):
            raise SearchError(param, f"{param}: {value!r} is not a {kind} reference.")
        return tail
    return text


def _pk(value: str, param: str) -> int:
    if not (value.isdecimal() and len(value) < 19):
        raise SearchError(param, f"{param}: {value!r} is not an id carehub knows.")
    return int(value)


def count_of(params: QueryDict) -> int:
    raw = params.get("_count")
    if raw is None:
        return DEFAULT_COUNT
    if not (raw.isdecimal() and 1 <= int(raw) <= MAX_COUNT):
        raise SearchError("_count", f"_count must be a whole number from 1 to {MAX_COUNT}.")
    return int(raw)


def encode_cursor(updated: datetime, pk: int) -> str:
    raw = f"{updated.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        moment = parse_datetime(stamp)
        if moment is None or not pk.isdecimal():
            raise ValueError(raw)
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SearchError("_cursor", "_cursor is not one this server gave; start the "
                                     "search again from its first page.") from None


def _statuses(value: str) -> list[str]:
    wanted = {v.strip() for v in value.split(",") if v.strip()}
    known = {m.status for m in FHIR_TASK.values()}
    unknown = wanted - known
    if unknown:
        raise SearchError("status", f"status: {', '.join(sorted(unknown))} is not a Task "
                                    f"status carehub uses ({', '.join(sorted(known))}).")
    return [s.value for s in State if FHIR_TASK[s].status in wanted]


TASK_PARAMS = {"owner", "_lastUpdated", "status", "focus", "patient", "subject", "part-of",
               "identifier", "_id", "_include", "_count", "_cursor", "_format", "_total",
               "requester"}
TASK_INCLUDES = {"Task:focus", "Task:patient", "Task:owner", "Task:for"}
SR_PARAMS = {"patient", "subject", "based-on", "_id", "_lastUpdated", "_count", "_cursor",
             "_format", "status", "identifier"}
PROCEDURE_PARAMS = {"patient", "subject", "based-on", "_id", "_count", "_cursor", "_format",
                    "identifier", "_lastUpdated"}


def check_params(params: QueryDict, known: set[str], kind: str) -> None:
    for name in params:
        base = name.split(":")[0]
        if base not in known or (":" in name and name.split(":", 1)[1] not in ("exact",)):
            raise SearchError(name, f"{name} is not a search parameter of {kind} here; they "
                                    f"are {', '.join(sorted(known))}.")


def _ids(values: list[str], prefix: str, param: str) -> list[int]:
    out: list[int] = []
    for value in values:
        for part in value.split(","):
            pk = mapping.own_pk(part.strip(), prefix)
            out.append(-1 if pk is None else pk)
    return out


def _referral_filters(params: QueryDict, qs: QuerySet[Referral], kind: str) -> QuerySet[Referral]:
    for value in params.getlist("_lastUpdated"):
        qs = qs.filter(last_updated([value]))
    for name in ("patient", "subject"):
        for value in params.getlist(name):
            qs = qs.filter(member_id=_pk(reference_id(value, "Patient", name), name))
    for value in params.getlist("_id"):
        qs = qs.filter(pk__in=_ids([value], mapping.TASK_PREFIX, "_id"))
    for value in params.getlist("identifier"):
        system, _, code = value.rpartition("|")
        if system and system != mapping.REFERRAL_SYSTEM:
            if kind == "Task":
                qs = qs.filter(fhir_link__source_task_identifier=value[:400])
            else:
                qs = qs.none()
        else:
            qs = qs.filter(pk=_pk(code, "identifier"))
    return qs


def search_tasks(acting: Acting, params: QueryDict) -> Page:
    check_params(params, TASK_PARAMS, "Task")
    qs = shared_referrals(acting)
    for value in params.getlist("owner"):
        qs = qs.filter(organisation_id=_pk(reference_id(value, "Organization", "owner"),
                                           "owner"))
    for value in params.getlist("requester"):
        pk = _pk(reference_id(value, "Organization", "requester"), "requester")
        qs = qs.filter(Q(hub_id=pk) | Q(hub__isnull=True, plan_id=pk))
    for value in params.getlist("status"):
        qs = qs.filter(state__in=_statuses(value))
    for value in params.getlist("focus"):
        qs = qs.filter(pk__in=_ids([reference_id(value, "ServiceRequest", "focus")],
                                   mapping.TASK_PREFIX, "focus"))
    for value in params.getlist("part-of"):
        qs = qs.filter(fhir_link__source_task_id=reference_id(value, "Task", "part-of"),
                       fhir_link__organisation=acting.organisation)
    qs = _referral_filters(params, qs, "Task")
    includes = params.getlist("_include")
    for value in includes:
        if value not in TASK_INCLUDES:
            raise SearchError("_include", f"_include={value} is not supported for Task; "
                                          f"use {', '.join(sorted(TASK_INCLUDES))}.")
    rows, cursor = _keyset(qs.select_related("service"), params, "updated_at")
    return Page(rows, cursor)


def search_service_requests(acting: Acting, params: QueryDict) -> Page:
    check_params(params, SR_PARAMS, "ServiceRequest")
    qs = shared_referrals(acting)
    for value in params.getlist("based-on"):
        qs = qs.filter(fhir_link__source_service_request_id=reference_id(
            value, "ServiceRequest", "based-on"), fhir_link__organisation=acting.organisation)
    for value in params.getlist("status"):
        wanted = {v.strip() for v in value.split(",")}
        states = [s.value for s in State if mapping.request_status(
            Referral(state=s.value)) in wanted]
        qs = qs.filter(state__in=states)
    qs = _referral_filters(params, qs, "ServiceRequest")
    rows, cursor = _keyset(qs.select_related("service"), params, "updated_at")
    return Page(rows, cursor)


def search_procedures(acting: Acting, params: QueryDict) -> Page:
    check_params(params, PROCEDURE_PARAMS, "Procedure")
    qs = shared_deliveries(acting)
    for name in ("patient", "subject"):
        for value in params.getlist(name):
            qs = qs.filter(member_id=_pk(reference_id(value, "Patient", name), name))
    for value in params.getlist("based-on"):
        qs = qs.filter(referral_id__in=_ids([reference_id(value, "ServiceRequest", "based-on")],
                                            mapping.TASK_PREFIX, "based-on"))
    for value in params.getlist("_id"):
        qs = qs.filter(pk__in=_ids([value], mapping.PROCEDURE_PREFIX, "_id"))
    for value in params.getlist("_lastUpdated"):
        qs = qs.filter(last_updated([value], "at"))
    for value in params.getlist("identifier"):
        _, _, code = value.rpartition("|")
        qs = qs.filter(pk=_pk(code, "identifier"))
    rows, cursor = _keyset(qs.select_related("referral", "organisation", "service"), params,
                           "at")
    return Page(rows, cursor)


def _keyset(qs: QuerySet[Any], params: QueryDict, stamp: str) -> tuple[list[Any], str | None]:
    count = count_of(params)
    raw = params.get("_cursor")
    if raw:
        after, pk = decode_cursor(raw)
        qs = qs.filter(Q(**{f"{stamp}__gt": after}) | Q(**{stamp: after, "pk__gt": pk}))
    rows = list(qs.order_by(stamp, "pk")[:count + 1])
    cursor = None
    if len(rows) > count:
        rows = rows[:count]
        last = rows[-1]
        cursor = encode_cursor(getattr(last, stamp), last.pk)
    return rows, cursor

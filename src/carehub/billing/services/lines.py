"""Member-level bill lines: built from the month's service deliveries, checked by the edits
before anything is billed, and corrected by the CBO.

`build_lines(contract, period, acting)` makes one `BillLine` per `ServiceDelivery` of the
contract and month and runs the edits (core/billing/edits.py) on every line not yet
submitted. It can be run again at any time: new deliveries get lines, lines not yet
submitted are refreshed from their delivery and the terms in force (a line a person
corrected keeps its codes), submitted lines are never touched, and a line whose delivery
left the month or the contract is dropped while still unsubmitted.

Reads are bulk (`values` lists, one query per kind of record) and writes are
`bulk_create` and one UPDATE statement run per changed row, in chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Field
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.billing.models import BillLine, ContractBilling, FeeScheduleRow, LineStatus
from carehub.contracts.models import Contract, TermsVersion
from carehub.core.billing import edits
from carehub.core.billing.fee_schedule import FeeRow, FeeSchedule, modifier_key
from carehub.core.money import round_cents
from carehub.core.periods import parse_month
from carehub.core.terms import Terms, load_terms
from carehub.core.validation import InputError
from carehub.members.models import EnrolmentSpan
from carehub.referrals.models import Need, Referral, ServiceDelivery
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

CHUNK = 2000
UNSUBMITTED = (LineStatus.FAILING.value, LineStatus.READY.value)
DEFAULT_TIMELY_FILING_DAYS = 365

# Place of service (CMS code set) for each contracts.Setting.
PLACE_OF_SERVICE = {
    "home": "12",  # the member's home
    "community": "99",  # other place of service
    "office": "11",  # office
    "telephone": "10",  # telehealth in the patient's home
    "video": "10",
}

# The social need a service answers, by service type slug (network.ServiceType) or by
# the screening domain of a need, and the billable Z code used when the member has no
# coded need of that domain. Every code is a billable leaf of ICD-10-CM (checked in the
# tests with simple-icd-10-cm); a service of no listed type gets no default, and the Z
# code edit asks the CBO for one.
NEED_OF_SERVICE_TYPE = {
    "nutrition": "food",
    "food": "food",
    "tenancy-support": "housing",
    "medical-respite": "housing",
    "housing": "housing",
    "transportation": "transportation",
    "utilities": "utilities",
}
DEFAULT_Z_CODE = {
    "food": "Z59.41",  # food insecurity
    "housing": "Z59.811",  # housing instability, housed, with risk of homelessness
    "transportation": "Z59.82",  # transportation insecurity
    "utilities": "Z59.12",  # inadequate housing utilities
}

# A referral in these states has been authorised from `enrolled_on` (to `completed_on`).
AUTHORISED_STATES = ("enrolled", "in_service", "completed")
# A referral in these states no longer supports a line.
ENDED_STATES = ("declined", "closed")
# Lines on a bill count towards duplicates and limits.
BILLED = (LineStatus.SUBMITTED.value, LineStatus.APPROVED.value, LineStatus.PENDED.value,
          LineStatus.PAID.value)


class LineError(InputError):
    """A build or a correction that cannot be made; nothing was saved."""


@dataclass
class BuildResult:
    created: int = 0
    refreshed: int = 0
    dropped: int = 0
    untouched: int = 0  # submitted lines left as they are
    ready: int = 0
    failing: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("created", "refreshed", "dropped", "untouched",
                                                "ready", "failing")}


# --- the terms in force ----------------------------------------------------------------


@dataclass
class TermsByDate:
    """The contract's terms versions, parsed once; `on(day)` is the version in force."""

    versions: list[tuple[date, Terms]] = field(default_factory=list)
    _cache: dict[date, Terms | None] = field(default_factory=dict)

    @classmethod
    def of(cls, contract: Contract) -> TermsByDate:
        rows = (TermsVersion.objects.filter(contract=contract)
                .order_by("effective", "version").values_list("effective", "document"))
        found = cls()
        for effective, document in rows:
            found.versions.append((effective, load_terms(document)))
        return found

    def on(self, day: date) -> Terms | None:
        if day in self._cache:
            return self._cache[day]
        found = None
        for effective, terms in self.versions:
            if effective <= day:
                found = terms
        if found is not None and found.ends < day:
            found = None
        self._cache[day] = found
        return found

    def services_on(self, day: date) -> frozenset[str]:
        terms = self.on(day)
        return frozenset(s.code for s in terms.services) if terms else frozenset()

    def mode_on(self, day: date, organisation_slug: str = "") -> str:
        """How a line of `organisation_slug` delivered on `day` is billed: the terms'
        `billing`, or the CBO's own mode when an amendment moved it (billing_by_provider)."""
        terms = self.on(day)
        return terms.billing_for(organisation_slug) if terms else "invoice"


def _coded(terms: Terms | None, service_code: str, units: int) -> dict[str, Any]:
    """hcpcs, modifiers, rate and amount of a service from the terms in force."""
    service = None
    if terms is not None:
        service = next((s for s in terms.services if s.code == service_code), None)
    if service is None:
        return {"hcpcs": "", "modifiers": "", "rate": Decimal("0"), "amount": Decimal("0.00")}
    rate = Decimal(service.rate)
    return {"hcpcs": (service.hcpcs or "").upper(),
            "modifiers": " ".join(modifier_key(service.modifiers)),
            "rate": rate, "amount": round_cents(rate * units)}


# --- the fee schedule and billing settings ----------------------------------------------


def contract_billing(contract: Contract) -> ContractBilling:
    """The contract's billing settings (defaults when none are stored)."""
    with scopes_disabled():
        found = ContractBilling.objects.filter(contract=contract).first()
    return found or ContractBilling(contract=contract)


def schedule_of(schedule_id: int | None) -> FeeSchedule | None:
    """A stored fee schedule as the core's lookup object."""
    if schedule_id is None:
        return None
    with scopes_disabled():
        rows = list(FeeScheduleRow.objects.filter(schedule_id=schedule_id)
                    .select_related("schedule").order_by("position"))
    if not rows:
        return None
    name = rows[0].schedule.name
    return FeeSchedule(name, [fee_row(row, name) for row in rows])


def fee_row(row: FeeScheduleRow, name: str) -> FeeRow:
    return FeeRow(schedule=name, service=row.service, code=row.code,
                  modifiers=tuple(row.modifiers.split()), unit=row.unit, rate=row.rate,
                  effective=row.effective, ends=row.ends, per_day=row.per_day,
                  per_period=row.per_period, per_episode=row.per_episode,
                  verification=row.verification, source=row.source, notes=row.notes,
                  row=row.position)


# --- reading a month ------------------------------------------------------------------


def _check_hub(contract: Contract, acting: Acting) -> None:
    if acting.organisation is not None and acting.organisation.pk != contract.provider_id:
        raise LineError([("contract", f"{acting.organisation} is not the provider of "
                                      f"contract {contract.code}")])


def _default_diagnosis(service_type: str, needs: dict[tuple[int, str], str],
                       member_pk: int) -> str:
    domain = NEED_OF_SERVICE_TYPE.get((service_type or "").lower())
    if domain is None:
        return ""
    return needs.get((member_pk, domain)) or DEFAULT_Z_CODE.get(domain, "")


def _deliveries(contract: Contract, start: date, end: date) -> list[dict[str, Any]]:
    rows = (ServiceDelivery.objects.filter(contract=contract, date__gte=start, date__lte=end)
            .order_by("date", "pk")
            .values("pk", "referral_id", "member_id", "organisation_id", "service_code",
                    "date", "units", "setting", "referral__service_type",
                    "service__service_type__slug"))
    return [dict(row) for row in rows]


def _needs(member_ids: Any) -> dict[tuple[int, str], str]:
    found: dict[tuple[int, str], str] = {}
    rows = (Need.objects.filter(member_id__in=member_ids, status="active")
            .order_by("at", "pk").values_list("member_id", "domain", "icd10"))
    for member_pk, domain, icd10 in rows:
        found[(member_pk, domain)] = icd10  # the latest need of the domain wins
    return found


@dataclass
class Context:
    """What the edits of a contract's month are run against, read once from the database."""

    ctx: edits.EditContext
    member_ids: dict[int, str]  # member pk -> plan member id
    provider_ids: dict[int, tuple[str, str]]  # organisation pk -> (npi, medicaid id)


def edit_context(contract: Contract, start: date, end: date, member_subquery: Any,
                 exclude_line_ids: Iterable[int] = (), terms: TermsByDate | None = None) -> Context:
    """The EditContext for lines of `contract` dated `start`..`end` whose members are
    `member_subquery` (a queryset of member pks)."""
    terms = terms or TermsByDate.of(contract)
    billing = contract_billing(contract)
    members: dict[int, str] = {}
    spans = []
    for member_pk, member_id, product, span_start, span_end in (
            EnrolmentSpan.objects.filter(member_id__in=member_subquery)
            .values_list("member_id", "member__member_id", "member__product", "start", "end")):
        members[member_pk] = member_id
        spans.append(edits.EnrolmentSpan(member_id, product, span_start, span_end))
    from carehub.members.models import Member

    for member_pk, member_id in Member.objects.filter(pk__in=member_subquery).values_list(
            "pk", "member_id"):
        members[member_pk] = member_id
    authorisations = []
    for ref_pk, member_pk, service_code, state, enrolled_on, completed_on in (
            Referral.objects.filter(member_id__in=member_subquery)
            .exclude(state__in=ENDED_STATES)
            .values_list("pk", "member_id", "service_code", "state", "enrolled_on",
                         "completed_on")):
        authorised = state in AUTHORISED_STATES and enrolled_on is not None
        authorisations.append(edits.Authorisation(
            members.get(member_pk, str(member_pk)), service_code, str(ref_pk),
            authorised_from=enrolled_on if authorised else None,
            authorised_to=completed_on if authorised else None))
    excluded = set(exclude_line_ids)
    billed = []
    # Duplicates and limits count every line already billed for the member, other CBOs'
    # too (one biller per member and month for CHI), which a CBO correcting its line may
    # not read: only their keys and units are used, nothing of them is shown.
    with as_owner():
        billed_rows = list(BillLine.objects.filter(
            member_id__in=member_subquery, status__in=BILLED,
            service_date__gte=start - timedelta(days=366), service_date__lte=end)
            .values("pk", "member_id", "service_code", "service_date", "units", "amount",
                    "hcpcs", "modifiers", "place_of_service", "diagnosis_codes"))
    for row in billed_rows:
        if row["pk"] in excluded:
            continue
        billed.append(edits.BillLine(
            line_id=f"billed-{row['pk']}", member_id=members.get(row["member_id"], ""),
            service_code=row["service_code"], service_date=row["service_date"],
            units=row["units"], amount=row["amount"], hcpcs=row["hcpcs"],
            modifiers=tuple(row["modifiers"].split()),
            place_of_service=row["place_of_service"],
            diagnosis_codes=tuple(row["diagnosis_codes"].split())))
    products = billing.eligible_products.split()
    provider_ids = {pk: (npi, medicaid) for pk, npi, medicaid in
                    Organisation.objects.filter(kind="cbo").filter(
                        pk__in=contract.delivering_cbos.values("pk")).values_list(
                        "pk", "npi", "medicaid_id")}
    ctx = edits.EditContext(
        today=timezone.localdate(), enrolments=spans,
        eligible_products=products or None, referrals=authorisations,
        contract_services=lambda day: terms.services_on(day),
        limits=terms_limits(terms.on(start)),
        billed=billed, fee_schedule=schedule_of(billing.fee_schedule_id),
        timely_filing_days=billing.timely_filing_days or DEFAULT_TIMELY_FILING_DAYS)
    return Context(ctx, members, provider_ids)


def terms_limits(terms: Terms | None) -> dict[str, edits.ServiceLimits]:
    """The contract's own per-member limits: `max_units_per_member_per_day` of the
    fee-for-service and hybrid components, for each of their services. (`max_units` caps
    the whole period across members: the settlement applies it, not an edit.)"""
    limits: dict[str, edits.ServiceLimits] = {}
    for component in terms.components if terms else ():
        per_day = getattr(component, "max_units_per_member_per_day", None)
        if per_day:
            for code in getattr(component, "services", ()):
                limits[code] = edits.ServiceLimits(per_day=per_day)
    return limits


def _provider_ids(org_pk: int, known: dict[int, tuple[str, str]]) -> tuple[str, str]:
    if org_pk not in known:
        row = Organisation.objects.filter(pk=org_pk).values_list("npi", "medicaid_id").first()
        known[org_pk] = (row[0], row[1]) if row else ("", "")
    return known[org_pk]


def edit_line(row: dict[str, Any] | BillLine, members: dict[int, str],
              providers: dict[int, tuple[str, str]]) -> edits.BillLine:
    """A stored line (model or values dict) as the edits see it."""
    get: Callable[[str], Any] = (row.get if isinstance(row, dict)  # type: ignore[assignment]
                                 else lambda name: getattr(row, name))
    npi, medicaid = _provider_ids(get("cbo_id"), providers)
    return edits.BillLine(
        line_id=str(get("delivery_id")), member_id=members.get(get("member_id"), ""),
        service_code=get("service_code"), service_date=get("service_date"),
        units=get("units"), amount=get("amount"), hcpcs=get("hcpcs"),
        modifiers=tuple(get("modifiers").split()),
        place_of_service=get("place_of_service"),
        diagnosis_codes=tuple(get("diagnosis_codes").split()),
        billing_npi=npi, payer_assigned_id=medicaid)


def failures_json(found: list[edits.EditFailure]) -> list[dict[str, str]]:
    return [{"code": f.code, "field": f.field, "message": f.message, "fix": f.fix,
             "title": f.title} for f in found]


# --- building --------------------------------------------------------------------------

LINE_FIELDS = ("pk", "contract_id", "delivery_id", "referral_id", "member_id", "cbo_id", "period",
               "service_code", "service_date", "hcpcs", "modifiers", "units", "rate", "amount",
               "place_of_service", "diagnosis_codes", "status", "failures", "bill_id",
               "updated_by_id")
REFRESHED = ["contract", "hub", "payer", "referral", "member", "cbo", "period", "service_code", "service_date", "hcpcs",
             "modifiers", "units", "rate", "amount", "place_of_service", "diagnosis_codes",
             "status", "failures", "checked_at"]


def build_lines(contract: Contract, period: str, acting: Acting,
                progress: Any = None) -> BuildResult:
    """Build (or refresh) the contract's lines for `period` ("YYYY-MM") and run the edits.
    `progress` is a jobs Progress (or None inline)."""
    _check_hub(contract, acting)
    try:
        span = parse_month(period)
    except ValueError as exc:
        raise LineError([("period", str(exc))]) from None
    start, end = span.start, span.end
    result = BuildResult()
    with scopes_disabled():
        if progress is not None:
            progress.stage("Reading the month's services")
        terms = TermsByDate.of(contract)
        deliveries = _deliveries(contract, start, end)
        delivery_ids = [d["pk"] for d in deliveries]
        in_month = BillLine.objects.filter(contract=contract, period=period)
        existing: dict[int, dict[str, Any]] = {
            row["delivery_id"]: row for row in in_month.values(*LINE_FIELDS)}
        # Lines of this month's deliveries kept under another month (the date moved).
        for chunk in _chunks(delivery_ids, CHUNK):
            for row in BillLine.objects.filter(delivery_id__in=chunk).exclude(
                    contract=contract, period=period).values(*LINE_FIELDS):
                existing[row["delivery_id"]] = row
        member_subquery = ServiceDelivery.objects.filter(
            contract=contract, date__gte=start, date__lte=end).values("member_id")
        needs = _needs(member_subquery)
        hub_id, payer_id = contract.provider_id, contract.payer_id
        now = timezone.now()

        wanted: dict[int, dict[str, Any]] = {}
        for d in deliveries:
            old = existing.get(d["pk"])
            if old is not None and old["status"] not in UNSUBMITTED:
                result.untouched += 1
                continue
            day = d["date"]
            values = {"delivery_id": d["pk"], "referral_id": d["referral_id"],
                      "member_id": d["member_id"], "cbo_id": d["organisation_id"],
                      "period": period, "service_code": d["service_code"], "service_date": day,
                      "units": d["units"], **_coded(terms.on(day), d["service_code"], d["units"])}
            by_hand = old is not None and old["updated_by_id"] is not None
            if by_hand:
                # A person corrected this line: its codes stay, its amount follows the rate.
                for name in ("hcpcs", "modifiers", "place_of_service", "diagnosis_codes"):
                    values[name] = old[name]  # type: ignore[index]
            else:
                values["place_of_service"] = PLACE_OF_SERVICE.get(d["setting"], "")
                service_type = d["service__service_type__slug"] or d["referral__service_type"]
                values["diagnosis_codes"] = _default_diagnosis(service_type, needs,
                                                               d["member_id"])
            wanted[d["pk"]] = values

        # Unsubmitted lines of this month whose delivery is no longer in it.
        month_ids = set(delivery_ids)
        drop = [row["pk"] for delivery_id, row in existing.items()
                if row["period"] == period and row["status"] in UNSUBMITTED
                and delivery_id not in month_ids]

        if progress is not None:
            progress.stage("Running the edits", len(wanted))
        context = edit_context(contract, start, end, member_subquery, terms=terms)
        batch = []
        for values in wanted.values():
            batch.append(edit_line(values, context.member_ids, context.provider_ids))
        found = edits.run_edits(batch, context.ctx)

        creates: list[BillLine] = []
        updates: list[BillLine] = []
        for delivery_id, values in wanted.items():
            failed = found[str(delivery_id)]
            values["failures"] = failures_json(failed)
            values["status"] = LineStatus.FAILING.value if failed else LineStatus.READY.value
            if failed:
                result.failing += 1
            else:
                result.ready += 1
            old = existing.get(delivery_id)
            if old is None:
                creates.append(BillLine(contract=contract, hub_id=hub_id, payer_id=payer_id,
                                        checked_at=now, **values))
            elif old["contract_id"] != contract.pk or _changed(old, values):
                updates.append(BillLine(pk=old["pk"], contract=contract, hub_id=hub_id,
                                        payer_id=payer_id, checked_at=now, updated_at=now,
                                        **values))
                result.refreshed += 1

        if progress is not None:
            progress.stage("Saving the lines", len(creates) + len(updates) + len(drop))
        with transaction.atomic():
            if drop:
                for chunk in _chunks(drop, CHUNK):
                    BillLine.objects.filter(pk__in=chunk, status__in=UNSUBMITTED).delete()
                result.dropped = len(drop)
            for chunk in _chunks(creates, CHUNK):
                insert_rows(chunk)
                if progress is not None:
                    progress.advance(len(chunk))
            for chunk in _chunks(updates, CHUNK):
                update_rows(chunk, [*REFRESHED, "updated_at"])
                if progress is not None:
                    progress.advance(len(chunk))
            result.created = len(creates)
            audit.record("build_lines", acting=acting, object_type="contract",
                         object_id=str(contract.pk),
                         detail={"period": period, **result.as_dict()})
    return result


def update_rows(lines: list[BillLine], fields: list[str]) -> None:
    """Write `fields` of each line by primary key: one statement run for every row.
    Django's bulk_update builds a CASE expression per row and column in Python, which
    takes a minute for 20,000 lines; this takes a second."""
    if not lines:
        return
    meta = BillLine._meta
    columns = [cast(Field, meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = (f"UPDATE {quote(meta.db_table)} SET {assignments} "  # nosec B608
           f"WHERE {quote(cast(Field, meta.pk).column)} = %s")  # names from the model, values bound
    rows = [[column.get_db_prep_save(getattr(line, column.attname), connection)
             for column in columns] + [line.pk] for line in lines]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_rows(lines: list[Any], model: type[models.Model] = BillLine) -> None:
    """Insert new lines (or bills): one statement run for every row. bulk_create
    assembles the SQL of every value in Python, more than half of building a
    100,000-line month. The rows' primary keys are not read back."""
    if not lines:
        return
    meta = model._meta
    columns = [field for field in meta.concrete_fields if not field.primary_key]
    # Fields whose Python value the driver takes as it is; the others are prepared.
    direct = [isinstance(column, models.CharField | models.IntegerField | models.ForeignKey)
              for column in columns]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} "  # nosec B608 - names from the model
           f"({', '.join(quote(column.column) for column in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    now = timezone.now()
    rows = []
    for line in lines:
        if hasattr(line, "updated_at"):
            line.updated_at = now  # auto_now, as save() would
        rows.append([getattr(line, column.attname) if fast
                     else column.get_db_prep_save(getattr(line, column.attname), connection)
                     for column, fast in zip(columns, direct, strict=True)])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    for name, value in new.items():
        if name == "failures":
            if json.dumps(old["failures"], sort_keys=True) != json.dumps(value, sort_keys=True):
                return True
        elif name in old and old[name] != value:
            return True
    return False


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for at in range(0, len(items), size):
        yield items[at:at + size]


# --- re-checking and correcting ----------------------------------------------------------


def recheck(lines: list[BillLine], acting: Acting | None = None) -> None:
    """Run the edits again on `lines` (same contract and month) and the unsubmitted lines
    they could duplicate or share limits with (same members and services that month),
    then store each line's failures and status."""
    if not lines:
        return
    first = lines[0]
    span = parse_month(first.period)
    with scopes_disabled():
        contract = Contract.objects.get(pk=first.contract_id)
        keys = {(line.member_id, line.service_code) for line in lines}
        members = [m for m, _ in keys]
        group = list(BillLine.objects.filter(
            contract=contract, period=first.period, status__in=UNSUBMITTED,
            member_id__in=members).order_by("service_date", "pk"))
        group = [line for line in group if (line.member_id, line.service_code) in keys]
        context = edit_context(contract, span.start, span.end,
                               BillLine.objects.filter(pk__in=[g.pk for g in group])
                               .values("member_id"))
        found = edits.run_edits([edit_line(line, context.member_ids, context.provider_ids)
                                 for line in group], context.ctx)
        now = timezone.now()
        for line in group:
            failed = found[str(line.delivery_id)]
            line.failures = failures_json(failed)
            line.status = LineStatus.FAILING.value if failed else LineStatus.READY.value
            line.checked_at = now
        for line in group:
            line.updated_at = now
        update_rows(group, ["failures", "status", "checked_at", "updated_at"])
        by_pk = {line.pk: line for line in group}
        for line in lines:
            if line.pk in by_pk:
                line.failures, line.status = by_pk[line.pk].failures, by_pk[line.pk].status
                line.checked_at = now


CORRECTABLE = ("diagnosis_codes", "place_of_service", "modifiers", "units", "hcpcs")


def may_correct(line: BillLine, acting: Acting) -> bool:
    org = acting.organisation
    return org is not None and org.pk in (line.cbo_id, line.hub_id)


def correct_line(line: BillLine, changes: dict[str, Any], acting: Acting) -> BillLine:
    """The CBO (or the hub) corrects a line not yet submitted: diagnosis codes, place of
    service, modifiers, units, and the HCPCS code when the fee schedule lists it for the
    service date. The edits then run again on the line and the lines it is checked with;
    audited with the member."""
    if not may_correct(line, acting):
        raise LineError([("line", "only the CBO of the line or its hub may correct it")])
    if line.status not in UNSUBMITTED:
        raise LineError([("line", f"the line is {line.get_status_display().lower()}; only "
                                  "lines not yet submitted can be corrected")])
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise LineError([(name, "cannot be corrected here") for name in unknown])
    cleaned: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name, raw in changes.items():
        if name == "units":
            try:
                units = int(raw)
            except (TypeError, ValueError):
                problems.append(("units", f'"{raw}" is not a whole number'))
                continue
            if units < 1:
                problems.append(("units", "must be at least 1"))
                continue
            cleaned["units"] = units
        elif name == "diagnosis_codes":
            codes = [c.strip().upper() for c in str(raw).replace(",", " ").split() if c.strip()]
            if len(codes) > 12:
                problems.append(("diagnosis_codes", "at most 12 codes"))
            text = " ".join(codes)
            if len(text) > 60:
                problems.append(("diagnosis_codes", "too long: at most 60 characters"))
            cleaned[name] = text
        elif name == "modifiers":
            mods = modifier_key(str(raw).replace(",", " ").split())
            if len(mods) > 4 or any(len(m) != 2 or not m.isalnum() for m in mods):
                problems.append(("modifiers", "up to four 2-character modifiers, separated "
                                              "by spaces"))
            cleaned[name] = " ".join(mods)
        elif name == "place_of_service":
            pos = str(raw).strip()
            if pos not in edits.PLACES_OF_SERVICE:
                problems.append(("place_of_service", f'"{pos}" is not a place of service code'))
            cleaned[name] = pos
        elif name == "hcpcs":
            code = str(raw).strip().upper()
            schedule = schedule_of(contract_billing(line.contract).fee_schedule_id)
            if code and (schedule is None or not schedule.rows_for(code, line.service_date)):
                problems.append(("hcpcs", f"{code} is not in the contract's fee schedule on "
                                          f"{line.service_date.isoformat()}"))
            cleaned[name] = code
    if problems:
        raise LineError(problems)
    before = {name: getattr(line, name) for name in cleaned}
    with transaction.atomic(), scopes_disabled():
        for name, value in cleaned.items():
            setattr(line, name, value)
        if "units" in cleaned:
            line.amount = round_cents(Decimal(line.rate) * line.units)
        if getattr(acting.user, "pk", None):
            line.updated_by = acting.user
        line.save()
        recheck([line], acting)
        audit.record("correct_line", acting=acting, object_type="bill_line",
                     object_id=str(line.pk), member_id=line.member_id,
                     detail={"before": {k: str(v) for k, v in before.items()},
                             "after": {k: str(v) for k, v in cleaned.items()},
                             "status": line.status})
    return line

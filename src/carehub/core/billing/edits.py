"""Edits before billing: every check a claim scrubber makes on a service line before it can
be invoiced or claimed, as pure functions over plain data.

`run_edits(lines, ctx)` answers, for every line, the list of failed edits (empty: the line
is clean). Each failure carries a stable reason code (`EDIT_CODES`), the field to correct,
a message naming the values in words a CBO's frontline worker understands, and the fix.

The caller gathers the context (enrolment spans, open referrals and their authorisations,
the contract's services and limits, lines already billed, the fee schedule) and stores the
result; nothing here reads a database. Everything is indexed once per run (per member, per
member and service, per day), so a month of 100,000 lines takes a few seconds.

Limits are counted in service-date order (ties in the order given), lines already billed
first: a batch line fails when its units take the total over the limit, and a line that
fails a limit (or is a duplicate) is not counted, so later lines that still fit pass.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import ModuleType
from typing import Any

from carehub.core.billing.fee_schedule import FeeRow, FeeSchedule, modifier_key
from carehub.core.reference import is_npi
from carehub.core.validation import InputError


@dataclass(frozen=True, slots=True)
class EditCode:
    code: str
    name: str
    title: str
    fix: str


EDIT_CODES: dict[str, EditCode] = {edit.code: edit for edit in (
    EditCode("E01", "not-enrolled", "Member not enrolled on the service date",
             "Check the member id and the service date. If the member was enrolled that day, "
             "ask the hub to update the plan's roster, then resubmit."),
    EditCode("E02", "product-not-eligible", "Member's plan product not covered by the contract",
             "This member's plan product is not covered by this contract: ask the hub which "
             "contract covers it; do not resubmit under this one."),
    EditCode("E03", "no-open-referral", "No open referral for the service",
             "Ask the hub or the member's care manager for a referral to this service, "
             "then resubmit."),
    EditCode("E04", "no-authorisation", "Service not authorised on that date or for those units",
             "Ask the care manager to authorise the service for these dates and units, or "
             "correct the service date or units to match the authorisation."),
    EditCode("E05", "service-not-in-contract", "Service not in the contract on the service date",
             "Check the service chosen on the line; if it is right, the contract did not pay for "
             "it on that date: ask the hub."),
    EditCode("E06", "over-daily-limit", "Units over the daily limit",
             "Lower the units to the daily limit, or check for a line entered twice."),
    EditCode("E07", "over-period-limit", "Units over the monthly limit",
             "Lower the units to what is left for the month, or check for lines entered twice."),
    EditCode("E08", "over-episode-limit", "Units over the episode limit",
             "Lower the units to what is left in the episode, or ask the care manager about a "
             "renewal."),
    EditCode("E09", "duplicate", "Duplicate line",
             "Delete this line if the service was entered twice; if it really happened twice "
             "that day, put both units on one line."),
    EditCode("E10", "hcpcs-missing", "Billing (HCPCS) code missing or not in the fee schedule",
             "Enter the HCPCS code the fee schedule lists for this service."),
    EditCode("E11", "modifiers-mismatch", "Modifiers do not match the fee schedule",
             "Use the modifiers the fee schedule lists with this code."),
    EditCode("E12", "z-code-missing", "No social needs (Z) code",
             "Add the member's social need as an ICD-10-CM code from Z55-Z65, for example "
             "Z59.41 for food insecurity."),
    EditCode("E13", "z-code-not-billable", "Diagnosis code not billable",
             "Replace the code with one of the billable codes under it."),
    EditCode("E14", "place-of-service", "Place of service missing or not valid",
             "Enter the two-digit place of service, e.g. 12 for the member's home."),
    EditCode("E15", "billing-provider-id", "No billing provider NPI or payer-assigned id",
             "Add your organisation's NPI, or the id the payer assigned to you if you have no "
             "NPI, in your billing settings."),
    EditCode("E16", "timely-filing", "Past the timely filing window",
             "The payer no longer accepts this service; talk to the hub about an appeal."),
)}

SDOH_BLOCK = "Z55-Z65"
# CMS Place of Service code set (the codes assigned; 27 and 66 added in 2023).
PLACES_OF_SERVICE: dict[str, str] = {
    "01": "pharmacy", "02": "telehealth, not in the patient's home", "03": "school",
    "04": "homeless shelter", "05": "Indian Health Service free-standing facility",
    "06": "Indian Health Service provider-based facility",
    "07": "tribal 638 free-standing facility", "08": "tribal 638 provider-based facility",
    "09": "prison or correctional facility", "10": "telehealth in the patient's home",
    "11": "office", "12": "home", "13": "assisted living facility", "14": "group home",
    "15": "mobile unit", "16": "temporary lodging", "17": "walk-in retail health clinic",
    "18": "place of employment", "19": "off-campus outpatient hospital",
    "20": "urgent care facility", "21": "inpatient hospital",
    "22": "on-campus outpatient hospital", "23": "emergency room",
    "24": "ambulatory surgical center", "25": "birthing center",
    "26": "military treatment facility", "27": "outreach site or street",
    "31": "skilled nursing facility", "32": "nursing facility",
    "33": "custodial care facility", "34": "hospice", "41": "ambulance (land)",
    "42": "ambulance (air or water)", "49": "independent clinic",
    "50": "federally qualified health center", "51": "inpatient psychiatric facility",
    "52": "psychiatric facility, partial hospitalization",
    "53": "community mental health center",
    "54": "intermediate care facility for individuals with intellectual disabilities",
    "55": "residential substance use treatment facility",
    "56": "psychiatric residential treatment center",
    "57": "non-residential substance use treatment facility",
    "58": "non-residential opioid treatment facility", "60": "mass immunization center",
    "61": "comprehensive inpatient rehabilitation facility",
    "62": "comprehensive outpatient rehabilitation facility",
    "65": "end-stage renal disease treatment facility", "66": "PACE center",
    "71": "public health clinic", "72": "rural health clinic", "81": "independent laboratory",
    "99": "other place of service",
}


@dataclass(frozen=True, slots=True)
class BillLine:
    """One service line as it would be billed."""

    line_id: str
    member_id: str
    service_code: str  # the contract's service code ("HDM")
    service_date: date
    units: int
    amount: Decimal
    hcpcs: str = ""
    modifiers: tuple[str, ...] = ()
    place_of_service: str = ""
    diagnosis_codes: tuple[str, ...] = ()
    billing_npi: str = ""
    payer_assigned_id: str = ""  # an atypical provider's id from the payer (2010BB REF*G2)


@dataclass(frozen=True, slots=True)
class EnrolmentSpan:
    member_id: str
    product: str
    start: date
    end: date | None = None  # None: still enrolled


@dataclass(frozen=True, slots=True)
class Authorisation:
    """An open referral of a member to a service, with its authorisation if there is one
    (no `authorised_from`: referred but not yet authorised)."""

    member_id: str
    service_code: str
    referral_id: str = ""
    authorised_from: date | None = None
    authorised_to: date | None = None  # None: no end date
    authorised_units: int | None = None  # None: no unit cap


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    """Most units per member: per day, per calendar month, per episode (the authorisation
    window the line falls in). None: no limit."""

    per_day: int | None = None
    per_period: int | None = None
    per_episode: int | None = None


ServicesInForce = Callable[[date], Collection[str]] | Mapping[date, Collection[str]]


@dataclass(frozen=True)
class EditContext:
    """What the edits check lines against.

    `contract_services` is either a function of the date or a mapping from the date each
    terms version took effect to its services (the latest key on or before the service date
    applies; before the first key no service is in force). None skips E05.
    `limits` is per contract service code; a service without an entry takes the limits of
    its fee schedule row. `billed` are lines already billed (any provider: Medicare CHI
    allows one biller per member and month). `eligible_products` None: every product.
    `fee_schedule` None: the contract bills without HCPCS codes (E10 and E11 not run).
    `timely_filing_days` None: no window (E16 not run). `checks`: the edit codes to run
    (None: all that apply)."""

    today: date
    enrolments: Sequence[EnrolmentSpan] = ()
    eligible_products: Collection[str] | None = None
    referrals: Sequence[Authorisation] = ()
    contract_services: ServicesInForce | None = None
    limits: Mapping[str, ServiceLimits] = field(default_factory=dict)
    billed: Sequence[BillLine] = ()
    fee_schedule: FeeSchedule | None = None
    timely_filing_days: int | None = None
    checks: Collection[str] | None = None


@dataclass(frozen=True, slots=True)
class EditFailure:
    code: str  # "E13"
    field: str  # the BillLine field to correct
    message: str
    fix: str

    @property
    def title(self) -> str:
        return EDIT_CODES[self.code].title

    @property
    def name(self) -> str:
        return EDIT_CODES[self.code].name


class EditInputError(InputError):
    """Lines that cannot be edited at all (a repeated line id)."""


def _fail(code: str, field_name: str, message: str, fix: str = "") -> EditFailure:
    return EditFailure(code, field_name, message, fix or EDIT_CODES[code].fix)


def _window(start: date | None, end: date | None) -> str:
    """"2026-03-01 to 2026-03-31", "from 2026-03-01 on", "until 2026-03-31", "any date"."""
    if start and end:
        return f"{start.isoformat()} to {end.isoformat()}"
    if start:
        return f"from {start.isoformat()} on"
    return f"until {end.isoformat()}" if end else "any date"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


# -- diagnosis codes -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _icd() -> ModuleType:
    # Imported on first use: the library parses its code tables at import (about 2 s).
    import simple_icd_10_cm

    return simple_icd_10_cm


@lru_cache(maxsize=4096)
def diagnosis_problem(code: str) -> str | None:
    """Why an ICD-10-CM code cannot go on a claim (None: it is a billable code)."""
    cm = _icd()
    text = code.strip().upper()
    if not text or not cm.is_valid_item(text) or cm.is_chapter_or_block(text):
        return f'"{code}" is not an ICD-10-CM code: check it against the code list'
    if cm.is_leaf(text):
        return None
    leaves = [leaf for leaf in cm.get_descendants(text) if cm.is_leaf(leaf)]
    named = [f"{cm.add_dot(leaf)} ({_lower_first(cm.get_description(leaf))})"
             for leaf in leaves[:6]]
    more = f" or one of {len(leaves) - 6} more" if len(leaves) > 6 else ""
    choices = (" or ".join(named) if len(named) <= 2
               else ", ".join(named[:-1]) + " or " + named[-1]) + more
    return f"{cm.add_dot(text)} is a category, not a billable code: use {choices}"


@lru_cache(maxsize=4096)
def is_sdoh_code(code: str) -> bool:
    """True for a code (billable or not) in Z55-Z65, the social determinants of health."""
    cm = _icd()
    text = code.strip().upper()
    return (bool(text) and cm.is_valid_item(text) and not cm.is_chapter_or_block(text)
            and SDOH_BLOCK in cm.get_ancestors(text))


# -- indexes -----------------------------------------------------------------------------


def _services_lookup(source: ServicesInForce) -> Callable[[int], Collection[str]]:
    """Day ordinal -> services in force, cached per day."""
    cache: dict[int, Collection[str]] = {}
    if isinstance(source, Mapping):
        points = sorted((day.toordinal(), frozenset(codes)) for day, codes in source.items())

        def from_map(ordinal: int) -> Collection[str]:
            found: Collection[str] = frozenset()
            for start, codes in points:
                if start > ordinal:
                    break
                found = codes
            return found

        compute: Callable[[int], Collection[str]] = from_map
    else:
        function = source

        def from_function(ordinal: int) -> Collection[str]:
            return frozenset(function(date.fromordinal(ordinal)))

        compute = from_function

    def services(ordinal: int) -> Collection[str]:
        found = cache.get(ordinal)
        if found is None:
            found = cache[ordinal] = compute(ordinal)
        return found

    return services


class _Totals:
    """Running unit totals per (member, service) and day, month and episode, with the
    duplicate keys seen, fed first with the lines already billed."""

    def __init__(self) -> None:
        self.day: dict[tuple[str, str, int], int] = {}
        self.month: dict[tuple[str, str, int], int] = {}
        self.episode: dict[tuple[str, str, int], int] = {}
        self.authorised: dict[int, int] = {}
        self.seen: dict[tuple[Any, ...], str] = {}


@lru_cache(maxsize=1024)
def _modifiers(modifiers: tuple[str, ...]) -> tuple[str, ...]:
    return modifier_key(modifiers)


@lru_cache(maxsize=4096)
def _valid_npi(npi: str) -> bool:
    return is_npi(npi)


def _duplicate_key(line: BillLine) -> tuple[Any, ...]:
    return (line.member_id, line.service_code, line.hcpcs.strip().upper(),
            _modifiers(line.modifiers), line.service_date.toordinal())


def run_edits(lines: Iterable[BillLine], ctx: EditContext) -> dict[str, list[EditFailure]]:
    """Every line's failed edits, by line id, in the order the lines were given (an empty
    list: the line is clean). See the module docstring for how limits are counted."""
    batch = list(lines)
    results: dict[str, list[EditFailure]] = {}
    for line in batch:
        if line.line_id in results:
            raise EditInputError([(f"line {line.line_id}", "the line id is used twice")])
        results[line.line_id] = []
    chosen = EDIT_CODES.keys() if ctx.checks is None else ctx.checks
    enabled = {code for code in EDIT_CODES if code in chosen}
    if ctx.contract_services is None:
        enabled.discard("E05")
    if ctx.fee_schedule is None:
        enabled -= {"E10", "E11"}
    if ctx.timely_filing_days is None:
        enabled.discard("E16")

    spans: dict[str, list[EnrolmentSpan]] = {}
    for span in ctx.enrolments:
        spans.setdefault(span.member_id, []).append(span)
    referrals: dict[tuple[str, str], list[tuple[int, Authorisation]]] = {}
    for index, referral in enumerate(ctx.referrals):
        referrals.setdefault((referral.member_id, referral.service_code), []).append(
            (index, referral))
    eligible = None if ctx.eligible_products is None else frozenset(ctx.eligible_products)
    services_on = (None if ctx.contract_services is None
                   else _services_lookup(ctx.contract_services))
    schedule = ctx.fee_schedule
    fee_rows: dict[tuple[str, tuple[str, ...], int], FeeRow | None] = {}

    def fee_row(line: BillLine) -> FeeRow | None:
        if schedule is None or not line.hcpcs:
            return None
        key = (line.hcpcs.strip().upper(), _modifiers(line.modifiers),
               line.service_date.toordinal())
        if key not in fee_rows:
            fee_rows[key] = schedule.lookup(key[0], key[1], line.service_date)
        return fee_rows[key]

    def limits_of(line: BillLine) -> ServiceLimits | None:
        found = ctx.limits.get(line.service_code)
        if found is not None:
            return found
        row = fee_row(line)
        if row is not None and (row.per_day or row.per_period or row.per_episode):
            return ServiceLimits(row.per_day, row.per_period, row.per_episode)
        return None

    def authorisation(line: BillLine) -> tuple[int, Authorisation] | None:
        day = line.service_date
        for index, referral in referrals.get((line.member_id, line.service_code), ()):
            if (referral.authorised_from is not None and referral.authorised_from <= day
                    and (referral.authorised_to is None or day <= referral.authorised_to)):
                return index, referral
        return None

    totals = _Totals()
    for line in sorted(ctx.billed, key=lambda item: item.service_date):
        key = _duplicate_key(line)
        totals.seen.setdefault(key, f"a line already billed ({line.line_id})")
        _count(totals, line, authorisation(line))

    today = ctx.today.toordinal()
    order = sorted(range(len(batch)), key=lambda i: batch[i].service_date)
    for position in order:
        line = batch[position]
        failures = results[line.line_id]
        day = line.service_date
        ordinal = day.toordinal()
        member = line.member_id
        service = line.service_code

        if "E01" in enabled or "E02" in enabled:
            member_spans = spans.get(member, ())
            covering = [span for span in member_spans
                        if span.start <= day and (span.end is None or day <= span.end)]
            if not covering:
                if "E01" in enabled:
                    failures.append(_fail("E01", "member_id", _not_enrolled(member, day,
                                                                            member_spans)))
            elif eligible is not None and "E02" in enabled and not any(
                    span.product in eligible for span in covering):
                products = ", ".join(sorted({span.product for span in covering}))
                failures.append(_fail(
                    "E02", "member_id",
                    f"Member {member} is enrolled in {products} on {day.isoformat()}, but this "
                    f"contract covers only {', '.join(sorted(eligible))}."))

        member_referrals = referrals.get((member, service), ())
        found = authorisation(line) if member_referrals else None
        over_authorised = False
        if not member_referrals:
            if "E03" in enabled:
                failures.append(_fail("E03", "service_code",
                                      f"Member {member} has no open referral for {service}."))
        elif "E04" in enabled:
            problem = _authorisation_problem(line, member_referrals, found, totals)
            if problem:
                over_authorised = found is not None
                failures.append(_fail("E04", "service_date" if found is None else "units",
                                      problem))

        if services_on is not None and "E05" in enabled:
            in_force = services_on(ordinal)
            if service not in in_force:
                failures.append(_fail("E05", "service_code", _not_in_contract(
                    service, day, in_force)))

        duplicate_key = _duplicate_key(line)
        duplicate_of = totals.seen.get(duplicate_key)
        if duplicate_of is not None and "E09" in enabled:
            failures.append(_fail(
                "E09", "line_id",
                f"Same member ({member}), service ({_billing_code(line)}) and date "
                f"({day.isoformat()}) as {duplicate_of}."))
        else:
            totals.seen[duplicate_key] = f"line {line.line_id}"
            limits = limits_of(line)
            over = _limit_failures(line, limits, found, totals, enabled) if limits else []
            failures.extend(over)
            if not over and not over_authorised:
                _count(totals, line, found)

        if schedule is not None and ("E10" in enabled or "E11" in enabled):
            failure = _schedule_failure(line, schedule, fee_row(line))
            if failure is not None and failure.code in enabled:
                failures.append(failure)

        if "E12" in enabled or "E13" in enabled:
            failures.extend(_diagnosis_failures(line, enabled))

        if "E14" in enabled:
            pos = line.place_of_service.strip()
            if not pos:
                failures.append(_fail("E14", "place_of_service",
                                      "The line has no place of service."))
            elif pos not in PLACES_OF_SERVICE:
                failures.append(_fail(
                    "E14", "place_of_service",
                    f'"{pos}" is not a place of service code: use two digits such as 12 '
                    "(home), 11 (office), 27 (outreach site or street) or 99 (other)."))

        if "E15" in enabled:
            npi = line.billing_npi.strip()
            if not npi and not line.payer_assigned_id.strip():
                failures.append(_fail("E15", "billing_npi",
                                      "The line has neither a billing provider NPI nor a "
                                      "payer-assigned provider id."))
            elif npi and not _valid_npi(npi):
                failures.append(_fail(
                    "E15", "billing_npi",
                    f"{npi} is not a valid NPI (10 digits with a check digit): correct it, or "
                    "leave it empty and use the payer-assigned id.",
                    "Copy the NPI from the NPPES registry entry of your organisation."))

        if "E16" in enabled and ctx.timely_filing_days is not None:
            age = today - ordinal
            if age > ctx.timely_filing_days:
                last = date.fromordinal(ordinal + ctx.timely_filing_days)
                failures.append(_fail(
                    "E16", "service_date",
                    f"The service on {day.isoformat()} is {age} days old; the payer accepts "
                    f"lines up to {ctx.timely_filing_days} days after the service (the last "
                    f"day was {last.isoformat()})."))

        if len(failures) > 1:
            failures.sort(key=lambda failure: failure.code)
    return results


def clean_rate(results: Mapping[str, list[EditFailure]]) -> Decimal | None:
    """Share of lines with no failed edit, to four decimals (None without lines)."""
    if not results:
        return None
    clean = sum(1 for failures in results.values() if not failures)
    return (Decimal(clean) / Decimal(len(results))).quantize(Decimal("0.0001"))


# -- the edits' details --------------------------------------------------------------------


def _billing_code(line: BillLine) -> str:
    code = line.hcpcs.strip().upper() or line.service_code
    mods = modifier_key(line.modifiers)
    return "-".join((code, *mods)) if mods else code


def _not_enrolled(member: str, day: date, spans: Sequence[EnrolmentSpan]) -> str:
    message = f"Member {member} is not enrolled with the plan on {day.isoformat()}"
    if not spans:
        return message + " (no enrolment on file for this member id)."
    shown = "; ".join(_window(span.start, span.end)
                      for span in sorted(spans, key=lambda span: span.start)[:3])
    return message + f" (enrolled {shown})."


def _not_in_contract(service: str, day: date, in_force: Collection[str]) -> str:
    message = f"{service} is not a service of the contract in force on {day.isoformat()}"
    if not in_force:
        return message + " (no contract terms were in force that day)."
    if len(in_force) <= 8:
        return message + f" (services that day: {', '.join(sorted(in_force))})."
    return message + "."


def _authorisation_problem(line: BillLine, referrals: Sequence[tuple[int, Authorisation]],
                           found: tuple[int, Authorisation] | None,
                           totals: _Totals) -> str | None:
    day = line.service_date.isoformat()
    if found is None:
        windows = [referral for _, referral in referrals if referral.authorised_from]
        if not windows:
            return (f"The referral of member {line.member_id} to {line.service_code} is not "
                    "authorised yet.")
        shown = "; ".join(_window(w.authorised_from, w.authorised_to) for w in windows[:3])
        return f"{day} is outside the authorised dates for {line.service_code} ({shown})."
    index, referral = found
    if referral.authorised_units is None:
        return None
    total = totals.authorised.get(index, 0) + line.units
    if total <= referral.authorised_units:
        return None
    return (f"{referral.authorised_units} units of {line.service_code} are authorised "
            f"{_window(referral.authorised_from, referral.authorised_to)}; with this line's "
            f"{line.units} the total would be {total}.")


def _limit_failures(line: BillLine, limits: ServiceLimits,
                    found: tuple[int, Authorisation] | None, totals: _Totals,
                    enabled: set[str]) -> list[EditFailure]:
    failures = []
    member, service, day = line.member_id, line.service_code, line.service_date
    if limits.per_day is not None and "E06" in enabled:
        total = totals.day.get((member, service, day.toordinal()), 0) + line.units
        if total > limits.per_day:
            failures.append(_fail(
                "E06", "units",
                f"{line.units} units of {service} on {day.isoformat()} would make {total} "
                f"that day for member {member}; the limit is {limits.per_day} a day."))
    if limits.per_period is not None and "E07" in enabled:
        month = day.year * 12 + day.month
        total = totals.month.get((member, service, month), 0) + line.units
        if total > limits.per_period:
            failures.append(_fail(
                "E07", "units",
                f"{line.units} units of {service} would make {total} in "
                f"{day.strftime('%B %Y')} for member {member}; the limit is "
                f"{limits.per_period} a month."))
    if limits.per_episode is not None and found is not None and "E08" in enabled:
        index, referral = found
        total = totals.episode.get((member, service, index), 0) + line.units
        if total > limits.per_episode:
            failures.append(_fail(
                "E08", "units",
                f"{line.units} units of {service} would make {total} in the episode "
                f"{_window(referral.authorised_from, referral.authorised_to)} for member "
                f"{member}; the limit is {limits.per_episode} an episode."))
    return failures


def _count(totals: _Totals, line: BillLine, found: tuple[int, Authorisation] | None) -> None:
    member, service, day = line.member_id, line.service_code, line.service_date
    key = (member, service, day.toordinal())
    totals.day[key] = totals.day.get(key, 0) + line.units
    key = (member, service, day.year * 12 + day.month)
    totals.month[key] = totals.month.get(key, 0) + line.units
    if found is not None:
        index = found[0]
        key = (member, service, index)
        totals.episode[key] = totals.episode.get(key, 0) + line.units
        totals.authorised[index] = totals.authorised.get(index, 0) + line.units


def _schedule_failure(line: BillLine, schedule: FeeSchedule,
                      row: FeeRow | None) -> EditFailure | None:
    code = line.hcpcs.strip().upper()
    day = line.service_date
    if not code:
        return _fail("E10", "hcpcs", f"The line has no HCPCS code; the {schedule.name} fee "
                                     "schedule needs one.")
    if row is not None:
        return None
    rows = schedule.rows_for(code, day)
    if not rows:
        other = schedule.rows_for(code)
        when = ""
        if other:
            ranges = "; ".join(_window(r.effective, r.ends) for r in other[:3])
            when = f" (it is listed {ranges})"
        return _fail("E10", "hcpcs", f"{code} is not in the {schedule.name} fee schedule on "
                                     f"{day.isoformat()}{when}.")
    given = " ".join(modifier_key(line.modifiers)) or "none"
    allowed = " or ".join(
        f"{' '.join(r.modifiers) or 'no modifier'} ({r.service})" for r in rows[:4])
    return _fail("E11", "modifiers",
                 f"{code} with modifiers {given} is not in the {schedule.name} fee schedule; "
                 f"{code} is billed with {allowed}.")


def _diagnosis_failures(line: BillLine, enabled: set[str]) -> list[EditFailure]:
    failures = []
    codes = [code.strip() for code in line.diagnosis_codes if code.strip()]
    if "E13" in enabled:
        for code in codes:
            problem = diagnosis_problem(code)
            if problem:
                failures.append(_fail("E13", "diagnosis_codes", problem))
    if "E12" in enabled and not any(is_sdoh_code(code) for code in codes):
        given = f" (codes given: {', '.join(codes)})" if codes else ""
        failures.append(_fail(
            "E12", "diagnosis_codes",
            f"The line has no social needs code from Z55-Z65{given}: add the need served, "
            "e.g. Z59.41 (food insecurity) or Z59.01 (sheltered homelessness)."))
    return failures

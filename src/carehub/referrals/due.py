"""When the next action on an open referral is due, for every open state.

Each open state waits for one action (`core.referral_states.NEXT_ACTION`); `due_for` says
by when. The contract's service definition sets what it can:

- `timing_hours` counted from the referral or from the discharge (`timing_anchor`): first
  contact is due by then while the member is not yet reached (assigned, outreach); the
  first outreach attempt is due by then too when that is sooner than the default;
- `timing_hours` counted from enrolment: the service must start by then (enrolled);
- `max_duration_days`: a service in progress is reviewed when it reaches its maximum
  duration, or at the default review interval when that comes first.

Every other state, and every state whose contract says nothing, uses the defaults below,
counted from the moment the referral entered the state (for outreach, from the referral:
contact is the referral's clock). They are stated here once; `services.transition`
recomputes `Referral.due_at` with them on every move, `create_referral` on creation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from carehub.contracts.models import Contract
from carehub.core.referral_states import TERMINAL, State
from carehub.referrals import contract_terms

# Hours allowed in each open state when the contract sets nothing.
DEFAULT_HOURS: dict[State, int] = {
    State.ASSIGNED: 48,  # first outreach attempt: two days after the referral
    State.OUTREACH: 7 * 24,  # contact: a week after the referral
    State.CONTACTED: 7 * 24,  # screening: a week after contact
    State.SCREENED: 3 * 24,  # the member's answer (accept or decline): three days
    State.ACCEPTED: 7 * 24,  # enrolment: a week after the member accepted
    State.DECLINED: 2 * 24,  # closing a declined referral: two days
    State.ENROLLED: 7 * 24,  # service start: a week after enrolment
    State.IN_SERVICE: 90 * 24,  # review of a long-running service: every 90 days
}
# What falls due within this window is "due soon" in lists and on home cards.
DUE_SOON = timedelta(hours=24)

OVERDUE = "overdue"
SOON = "soon"


@dataclass(frozen=True)
class ServiceTiming:
    """What a contract's service definition says about timing (nothing, by default)."""

    hours: int | None = None
    anchor: str = "referral"  # referral | discharge | enrolment
    max_duration_days: int | None = None


def service_timing(contract: Contract | None, service_code: str) -> ServiceTiming:
    """The timing of the contract's service definition; empty when it sets none (or the
    referral has no contract: the defaults apply to due dates, which only inform)."""
    if contract is None:
        return ServiceTiming()
    found = contract_terms.rules_for(contract).service(service_code)
    if found is None:
        return ServiceTiming()
    days = found.definition.max_duration_days
    days = int(days) if days else None
    if found.timing is None:
        return ServiceTiming(max_duration_days=days)
    return ServiceTiming(found.timing.hours, found.timing.anchor, days)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def due_for(state: State | str, *, entered: datetime, created: datetime,
            timing: ServiceTiming, anchor_date: date | None = None,
            enrolled_on: date | None = None) -> datetime | None:
    """When the next action of a referral in `state` is due; None for a finished one.

    `entered` is when the referral entered the state, `created` when it was made.
    """
    current = State(state)
    if current in TERMINAL:
        return None
    default = entered + timedelta(hours=DEFAULT_HOURS[current])
    contact: datetime | None = None
    if timing.hours is not None and timing.anchor != "enrolment":
        start = (_start_of(anchor_date) if timing.anchor == "discharge" and anchor_date
                 else created)
        contact = start + timedelta(hours=timing.hours)
    if current is State.ASSIGNED:
        return min(default, contact) if contact else default
    if current is State.OUTREACH:
        return contact or created + timedelta(hours=DEFAULT_HOURS[State.OUTREACH])
    if current is State.ENROLLED and enrolled_on and timing.hours is not None \
            and timing.anchor == "enrolment":
        return _start_of(enrolled_on) + timedelta(hours=timing.hours)
    if current is State.IN_SERVICE and enrolled_on and timing.max_duration_days:
        return min(default, _start_of(enrolled_on) + timedelta(days=timing.max_duration_days))
    return default


def status(due_at: datetime | None, now: datetime | None = None) -> str:
    """OVERDUE, SOON (within DUE_SOON) or the empty string."""
    if due_at is None:
        return ""
    moment = now or timezone.now()
    if due_at < moment:
        return OVERDUE
    return SOON if due_at < moment + DUE_SOON else ""

"""The referral state machine, as pure functions: which moves are legal and why not.

A referral goes assigned → outreach → contacted → screened → accepted or declined →
enrolled → in service → completed, or is closed with a reason. `completed` and `closed`
are terminal. The rules here are the only place that decides whether a move is allowed;
the referrals app calls `check_transition` before it writes anything.

Each state also says how it appears as a FHIR R4 Task following the HL7 SDOH Clinical
Care guide's TaskForReferralManagement profile (status from the guide's referral task
status value set, businessStatus carrying carehub's finer state), so a FHIR interface is
a lookup, not a second state machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    ASSIGNED = "assigned"
    OUTREACH = "outreach"
    CONTACTED = "contacted"
    SCREENED = "screened"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENROLLED = "enrolled"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    CLOSED = "closed"


class CloseReason(StrEnum):
    UNREACHABLE = "unreachable"
    MOVED = "moved"
    INELIGIBLE = "ineligible"
    DECLINED = "declined"
    DECEASED = "deceased"
    OTHER = "other"


STATE_LABELS: dict[State, str] = {
    State.ASSIGNED: "Assigned",
    State.OUTREACH: "Outreach",
    State.CONTACTED: "Contacted",
    State.SCREENED: "Screened",
    State.ACCEPTED: "Accepted support",
    State.DECLINED: "Declined",
    State.ENROLLED: "Enrolled",
    State.IN_SERVICE: "In service",
    State.COMPLETED: "Completed",
    State.CLOSED: "Closed",
}

# Close reasons in words, for pages and forms.
CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.UNREACHABLE: "Could not be reached",
    CloseReason.MOVED: "Moved away",
    CloseReason.INELIGIBLE: "Not eligible",
    CloseReason.DECLINED: "Declined",
    CloseReason.DECEASED: "Deceased",
    CloseReason.OTHER: "Other reason",
}

TERMINAL: frozenset[State] = frozenset({State.COMPLETED, State.CLOSED})

# Forward moves only; closing is allowed from every non-terminal state (see CLOSABLE).
_FORWARD: dict[State, frozenset[State]] = {
    State.ASSIGNED: frozenset({State.OUTREACH}),
    State.OUTREACH: frozenset({State.CONTACTED}),
    State.CONTACTED: frozenset({State.SCREENED, State.DECLINED}),
    State.SCREENED: frozenset({State.ACCEPTED, State.DECLINED}),
    State.ACCEPTED: frozenset({State.ENROLLED}),
    State.DECLINED: frozenset(),
    State.ENROLLED: frozenset({State.IN_SERVICE}),
    State.IN_SERVICE: frozenset({State.COMPLETED}),
    State.COMPLETED: frozenset(),
    State.CLOSED: frozenset(),
}
CLOSABLE: frozenset[State] = frozenset(set(State) - TERMINAL)

# What a worker does next in each state, shown in the inbox.
NEXT_ACTION: dict[State, str] = {
    State.ASSIGNED: "Make the first outreach attempt",
    State.OUTREACH: "Keep trying to reach the member",
    State.CONTACTED: "Screen for social needs",
    State.SCREENED: "Record whether the member accepts support",
    State.ACCEPTED: "Enrol the member in the service",
    State.DECLINED: "Close the referral (declined)",
    State.ENROLLED: "Start the service",
    State.IN_SERVICE: "Log services; complete when done",
    State.COMPLETED: "Nothing: completed",
    State.CLOSED: "Nothing: closed",
}


@dataclass(frozen=True)
class FhirTaskStatus:
    status: str  # Task.status (SDOHCC-ValueSetReferralTaskStatus)
    business_status: str  # Task.businessStatus.text


FHIR_TASK: dict[State, FhirTaskStatus] = {
    State.ASSIGNED: FhirTaskStatus("requested", "assigned"),
    State.OUTREACH: FhirTaskStatus("received", "outreach in progress"),
    State.CONTACTED: FhirTaskStatus("received", "member contacted"),
    State.SCREENED: FhirTaskStatus("received", "member screened"),
    State.ACCEPTED: FhirTaskStatus("accepted", "member accepted support"),
    State.DECLINED: FhirTaskStatus("rejected", "member declined"),
    State.ENROLLED: FhirTaskStatus("in-progress", "enrolled"),
    State.IN_SERVICE: FhirTaskStatus("in-progress", "in service"),
    State.COMPLETED: FhirTaskStatus("completed", "service completed"),
    State.CLOSED: FhirTaskStatus("cancelled", "closed"),
}


class IllegalTransition(ValueError):
    """A move the state machine does not allow; the message says why."""


@dataclass(frozen=True)
class TransitionContext:
    """Facts the rules need beyond the two states."""

    outreach_attempts: int = 0
    max_outreach_attempts: int = 3
    close_reason: str = ""
    decline_reason: str = ""


def allowed_targets(state: State) -> frozenset[State]:
    if state in TERMINAL:
        return frozenset()
    return _FORWARD[state] | {State.CLOSED}


def check_transition(current: State | str, target: State | str,
                     context: TransitionContext | None = None) -> State:
    """Return the target state when moving `current` → `target` is legal, else raise."""
    ctx = context or TransitionContext()
    try:
        source = State(current)
    except ValueError:
        raise IllegalTransition(f"unknown state {current!r}") from None
    try:
        goal = State(target)
    except ValueError:
        allowed = ", ".join(s.value for s in State)
        raise IllegalTransition(f"unknown state {target!r}; states are {allowed}") from None
    if source in TERMINAL:
        raise IllegalTransition(f"the referral is {source.value}, which is final")
    if goal not in allowed_targets(source):
        options = ", ".join(sorted(s.value for s in allowed_targets(source)))
        raise IllegalTransition(
            f"cannot move from {source.value} to {goal.value}; from {source.value} the next "
            f"states are {options}"
        )
    if goal is State.OUTREACH and ctx.outreach_attempts < 1:
        raise IllegalTransition("record an outreach attempt before moving to outreach")
    if goal is State.DECLINED and not ctx.decline_reason.strip():
        raise IllegalTransition("a decline needs the member's reason")
    if goal is State.CLOSED:
        reasons = {r.value for r in CloseReason}
        if ctx.close_reason not in reasons:
            raise IllegalTransition(
                f"closing needs a reason, one of {', '.join(sorted(reasons))}"
            )
        if (ctx.close_reason == CloseReason.UNREACHABLE
                and ctx.outreach_attempts < ctx.max_outreach_attempts):
            raise IllegalTransition(
                f"unreachable needs {ctx.max_outreach_attempts} outreach attempts under the "
                f"contract; {ctx.outreach_attempts} recorded"
            )
    return goal


def path_to(target: State) -> list[State]:
    """The shortest forward path from assigned to `target` (used by seeds and tests)."""
    frontier: list[list[State]] = [[State.ASSIGNED]]
    seen = {State.ASSIGNED}
    while frontier:
        path = frontier.pop(0)
        if path[-1] is target:
            return path
        for nxt in sorted(_FORWARD[path[-1]], key=lambda s: s.value):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append([*path, nxt])
    raise IllegalTransition(f"{target.value} is not reachable by forward moves")

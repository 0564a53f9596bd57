"""Properties of the referral state machine."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carehub.core.referral_states import (
    FHIR_TASK,
    TERMINAL,
    CloseReason,
    IllegalTransition,
    State,
    TransitionContext,
    allowed_targets,
    check_transition,
    path_to,
)

GENEROUS = TransitionContext(outreach_attempts=5, max_outreach_attempts=3,
                             close_reason="moved", decline_reason="not interested")


def walk(moves: list[State]) -> list[State]:
    """Apply each requested move that the machine allows; return the states visited."""
    state = State.ASSIGNED
    visited = [state]
    for move in moves:
        try:
            state = check_transition(state, move, GENEROUS)
        except IllegalTransition:
            continue
        visited.append(state)
    return visited


@settings(max_examples=400)
@given(st.lists(st.sampled_from(list(State)), max_size=30))
def test_nothing_reaches_completed_without_enrolled(moves: list[State]) -> None:
    visited = walk(moves)
    if State.COMPLETED in visited:
        assert State.ENROLLED in visited
        assert visited.index(State.ENROLLED) < visited.index(State.COMPLETED)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(list(State)), max_size=30))
def test_terminal_states_are_final(moves: list[State]) -> None:
    visited = walk(moves)
    for terminal in TERMINAL:
        if terminal in visited:
            assert visited[-1] is terminal
            assert visited.count(terminal) == 1


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
@pytest.mark.parametrize("target", list(State))
def test_no_move_leaves_a_terminal_state(terminal: State, target: State) -> None:
    with pytest.raises(IllegalTransition, match="final"):
        check_transition(terminal, target, GENEROUS)


def test_the_happy_path_is_legal() -> None:
    assert path_to(State.COMPLETED) == [
        State.ASSIGNED, State.OUTREACH, State.CONTACTED, State.SCREENED, State.ACCEPTED,
        State.ENROLLED, State.IN_SERVICE, State.COMPLETED,
    ]
    state = State.ASSIGNED
    for nxt in path_to(State.COMPLETED)[1:]:
        state = check_transition(state, nxt, GENEROUS)
    assert state is State.COMPLETED


def test_skipping_a_step_is_refused_with_the_legal_options() -> None:
    with pytest.raises(IllegalTransition) as err:
        check_transition("assigned", "enrolled", GENEROUS)
    assert str(err.value) == (
        "cannot move from assigned to enrolled; from assigned the next states are closed, outreach"
    )


def test_outreach_needs_an_attempt() -> None:
    with pytest.raises(IllegalTransition, match="outreach attempt"):
        check_transition("assigned", "outreach", TransitionContext(outreach_attempts=0))


def test_unreachable_needs_the_contracts_number_of_attempts() -> None:
    short = TransitionContext(outreach_attempts=2, max_outreach_attempts=3,
                              close_reason=CloseReason.UNREACHABLE)
    with pytest.raises(IllegalTransition, match="3 outreach attempts.*2 recorded"):
        check_transition("outreach", "closed", short)
    enough = TransitionContext(outreach_attempts=3, max_outreach_attempts=3,
                               close_reason=CloseReason.UNREACHABLE)
    assert check_transition("outreach", "closed", enough) is State.CLOSED


def test_close_and_decline_need_reasons() -> None:
    with pytest.raises(IllegalTransition, match="closing needs a reason"):
        check_transition("contacted", "closed", TransitionContext(close_reason=""))
    with pytest.raises(IllegalTransition, match="reason"):
        check_transition("screened", "declined", TransitionContext(decline_reason=" "))


def test_declined_can_only_be_closed() -> None:
    assert allowed_targets(State.DECLINED) == frozenset({State.CLOSED})


def test_unknown_states_are_named() -> None:
    with pytest.raises(IllegalTransition, match="unknown state 'done'"):
        check_transition("in_service", "done")


def test_every_state_maps_to_a_referral_task_status() -> None:
    # SDOHCC-ValueSetReferralTaskStatus (HL7 SDOH Clinical Care 2.3.0).
    allowed = {"requested", "received", "accepted", "rejected", "cancelled", "on-hold",
               "in-progress", "completed"}
    assert set(FHIR_TASK) == set(State)
    assert {m.status for m in FHIR_TASK.values()} <= allowed
    assert FHIR_TASK[State.COMPLETED].status == "completed"
    assert FHIR_TASK[State.CLOSED].status == "cancelled"

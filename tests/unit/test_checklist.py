"""The Scope of Work Checklist computation, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.contracts.checklist import (
    CHECKS,
    DataFlow,
    Item,
    ServiceSpec,
    Snapshot,
    TaskSpec,
    compute,
    missing_required,
)


def item(rule: str, required: bool = True) -> Item:
    return Item("WHO", "group", rule, rule, required)


def row(rule: str, snapshot: Snapshot):  # type: ignore[no-untyped-def]
    return compute([item(rule)], snapshot)[0]


def test_every_rule_is_missing_on_an_empty_contract() -> None:
    rows = compute([item(rule) for rule in CHECKS], Snapshot())
    assert [r.item.rule for r in rows if r.present] == []
    assert all(r.comment for r in rows)


def test_volume_needs_a_bound_and_a_sane_range() -> None:
    assert not row("volume", Snapshot()).present
    assert row("volume", Snapshot(max_volume=500)).comment == "max 500"
    bad = row("volume", Snapshot(min_volume=600, max_volume=500))
    assert not bad.present and "above maximum" in bad.comment


def test_if_applicable_rows_accept_not_applicable() -> None:
    assert row("prioritisation", Snapshot(prioritisation_not_applicable=True)).present
    assert row("licences", Snapshot(licences_not_applicable=True)).present
    assert not row("licences", Snapshot(licences_required="  ")).present


def test_contacts_need_every_aspect() -> None:
    partial = row("contacts", Snapshot(contact_aspects={"referrals", "data"}))
    assert not partial.present and partial.comment == "No contact for: billing, evaluation."
    assert row("contacts", Snapshot(contact_aspects={"referrals", "data", "billing",
                                                     "evaluation"})).present


def test_service_rows_need_every_service_complete() -> None:
    good = ServiceSpec("HDM", "meals", "at discharge", "after 14 days", 14, "home")
    lacking = ServiceSpec("CM", "care plan", "", "", None, "")
    snap = Snapshot(services=[good, lacking])
    assert row("service_activities", snap).present
    span = row("service_span", snap)
    assert not span.present and span.comment.endswith("missing for: CM.")
    assert not row("service_setting", snap).present
    assert row("service_span", Snapshot(services=[good])).present


def test_pre_launch_rows_take_due_dates_from_tasks() -> None:
    tasks = [TaskSpec("credentialing", "pre_launch", date(2026, 2, 1)),
             TaskSpec("credentialing", "pre_launch", date(2026, 1, 10), done=True),
             TaskSpec("training", "pre_launch", None)]
    snap = Snapshot(tasks=tasks, credentialing="verify licences")
    cred = row("task_credentialing", snap)
    assert (cred.present, cred.due, cred.comment) == (True, date(2026, 1, 10), "planned")
    assert not row("task_training", snap).present  # undated task: not yet planned
    assert row("credentialing", snap).due == date(2026, 1, 10)


def test_workflow_development_satisfied_by_workflows_in_scope() -> None:
    assert row("task_workflows", Snapshot(workflows="documented")).present
    assert not row("task_workflows", Snapshot()).present


def test_data_flows_need_what_when_how_each_way() -> None:
    flows = [DataFlow("to_payer", "meals", "monthly", "SFTP"),
             DataFlow("to_provider", "discharges", "", "SFTP")]
    snap = Snapshot(data_flows=flows)
    assert row("data_to_payer", snap).present
    assert not row("data_to_provider", snap).present


@pytest.mark.parametrize("required", [True, False])
def test_missing_required_respects_configuration(required: bool) -> None:
    rows = compute([item("revisit", required)], Snapshot())
    assert bool(missing_required(rows)) is required
    revisit = compute([item("revisit")], Snapshot(revisit_terms_on=date(2026, 6, 30)))[0]
    assert revisit.present and revisit.due == date(2026, 6, 30)


def test_unknown_rule_is_reported_not_silently_present() -> None:
    result = row("no-such-rule", Snapshot())
    assert not result.present and "Unknown rule" in result.comment

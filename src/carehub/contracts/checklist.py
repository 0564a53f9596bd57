"""The Scope of Work Checklist, computed from a contract's structured fields.

Pure: `compute(items, snapshot)` takes the checklist rows (reference data) and a plain
snapshot of the contract, so it is tested without a database. `snapshot_of(contract)`
builds the snapshot from the models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ASPECTS = ("referrals", "data", "billing", "evaluation")


@dataclass(frozen=True)
class Item:
    section: str
    group: str
    text: str
    rule: str
    required: bool = True
    has_due_date: bool = False


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    provision: str = ""
    initiation: str = ""
    conclusion: str = ""
    max_duration_days: int | None = None
    setting: str = ""


@dataclass(frozen=True)
class TaskSpec:
    kind: str
    stage: str
    due: date | None
    done: bool = False


@dataclass(frozen=True)
class DataFlow:
    direction: str  # to_payer | to_provider
    what: str
    when: str
    how: str


@dataclass
class Snapshot:
    criteria: str = ""
    prioritisation: str = ""
    prioritisation_not_applicable: bool = False
    min_volume: int | None = None
    max_volume: int | None = None
    licences_required: str = ""
    licences_not_applicable: bool = False
    credentialing: str = ""
    trainings: str = ""
    contact_aspects: set[str] = field(default_factory=set)
    escalation_levels: int = 0
    services: list[ServiceSpec] = field(default_factory=list)
    service_activities: str = ""
    workflows: str = ""
    escalation_process: str = ""
    tasks: list[TaskSpec] = field(default_factory=list)
    it_platforms: str = ""
    data_flows: list[DataFlow] = field(default_factory=list)
    revisit_terms_on: date | None = None


@dataclass(frozen=True)
class Row:
    item: Item
    present: bool
    due: date | None
    comment: str

    @property
    def missing_required(self) -> bool:
        return self.item.required and not self.present


Check = Callable[[Snapshot], tuple[bool, date | None, str]]


def _text(value: str, what: str) -> tuple[bool, date | None, str]:
    return (bool(value.strip()), None, "" if value.strip() else f"Write the {what}.")


def _task(kind: str, what: str) -> Check:
    def check(s: Snapshot) -> tuple[bool, date | None, str]:
        tasks = [t for t in s.tasks if t.kind == kind and t.stage == "pre_launch"]
        dated = [t for t in tasks if t.due is not None]
        if not dated:
            return (False, None, f"Add a pre-launch task for {what} with a due date.")
        due = min(t.due for t in dated if t.due is not None)
        done = all(t.done for t in dated)
        return (True, due, "done" if done else "planned")
    return check


def _task_due(s: Snapshot, kind: str) -> date | None:
    dated = [t.due for t in s.tasks if t.kind == kind and t.due is not None]
    return min(dated) if dated else None


def _volume(s: Snapshot) -> tuple[bool, date | None, str]:
    if s.min_volume is None and s.max_volume is None:
        return (False, None, "Set a minimum and/or maximum volume.")
    if s.min_volume is not None and s.max_volume is not None and s.min_volume > s.max_volume:
        return (False, None, f"Minimum {s.min_volume} is above maximum {s.max_volume}.")
    parts = [f"min {s.min_volume}" if s.min_volume is not None else "",
             f"max {s.max_volume}" if s.max_volume is not None else ""]
    return (True, None, ", ".join(p for p in parts if p))


def _contacts(s: Snapshot) -> tuple[bool, date | None, str]:
    missing = [a for a in ASPECTS if a not in s.contact_aspects]
    if missing:
        return (False, None, f"No contact for: {', '.join(missing)}.")
    return (True, None, "")


def _services(need: Callable[[ServiceSpec], bool], what: str) -> Check:
    def check(s: Snapshot) -> tuple[bool, date | None, str]:
        if not s.services:
            return (False, None, "Define at least one service.")
        lacking = [sv.code for sv in s.services if not need(sv)]
        if lacking:
            return (False, None, f"{what} missing for: {', '.join(lacking)}.")
        return (True, None, "")
    return check


def _data(direction: str) -> Check:
    def check(s: Snapshot) -> tuple[bool, date | None, str]:
        flows = [f for f in s.data_flows if f.direction == direction]
        complete = [f for f in flows if f.what.strip() and f.when.strip() and f.how.strip()]
        if not complete:
            return (False, None, "Add a data flow saying what, when and how.")
        return (True, None, f"{len(complete)} data flow{'s' if len(complete) != 1 else ''}")
    return check


CHECKS: dict[str, Check] = {
    "eligible_population": lambda s: _text(s.criteria, "eligibility criteria"),
    "prioritisation": lambda s: (
        (True, None, "not applicable") if s.prioritisation_not_applicable
        else _text(s.prioritisation, "prioritisation, or mark it not applicable")
    ),
    "volume": _volume,
    "licences": lambda s: (
        (True, _task_due(s, "credentialing"), "none required") if s.licences_not_applicable
        else (bool(s.licences_required.strip()), _task_due(s, "credentialing"),
              "" if s.licences_required.strip() else "List licences, or mark none required.")
    ),
    "credentialing": lambda s: (lambda r: (r[0], _task_due(s, "credentialing"), r[2]))(
        _text(s.credentialing, "credentialing process")),
    "trainings": lambda s: (lambda r: (r[0], _task_due(s, "training"), r[2]))(
        _text(s.trainings, "staff trainings")),
    "contacts": _contacts,
    "escalation_pathway": lambda s: (
        (True, None, f"{s.escalation_levels} level{'s' if s.escalation_levels != 1 else ''}")
        if s.escalation_levels else (False, None, "Add escalation levels (role and response time).")
    ),
    "service_activities": _services(lambda sv: bool(sv.provision.strip()), "Provision"),
    "service_span": _services(
        lambda sv: bool(sv.initiation.strip() and sv.conclusion.strip())
        and sv.max_duration_days is not None,
        "Initiation, conclusion or maximum duration",
    ),
    "service_setting": _services(lambda sv: bool(sv.setting), "Setting"),
    "workflows": lambda s: _text(s.workflows, "workflows for major activities"),
    "escalation_process": lambda s: _text(s.escalation_process, "escalation process"),
    "task_credentialing": _task("credentialing", "credentialing"),
    "task_training": _task("training", "staff training"),
    "task_data_security": _task("data_security_review", "the data security review"),
    "task_it_onboarding": _task("it_onboarding", "IT application onboarding"),
    "task_workflows": lambda s: (
        (True, _task_due(s, "workflow_testing"), "specified in the scope of work")
        if s.workflows.strip() else _task("workflow_testing", "workflow development")(s)
    ),
    "it_platforms": lambda s: _text(s.it_platforms, "IT platforms"),
    "data_to_payer": _data("to_payer"),
    "data_to_provider": _data("to_provider"),
    "revisit": lambda s: (
        (True, s.revisit_terms_on, "") if s.revisit_terms_on
        else (False, None, "Set a date to revisit the terms.")
    ),
}


def compute(items: Iterable[Item], snapshot: Snapshot) -> list[Row]:
    rows = []
    for item in items:
        check = CHECKS.get(item.rule)
        if check is None:
            rows.append(Row(item, False, None, f"Unknown rule {item.rule!r}."))
            continue
        present, due, comment = check(snapshot)
        rows.append(Row(item, present, due, comment))
    return rows


def missing_required(rows: Iterable[Row]) -> list[Row]:
    return [r for r in rows if r.missing_required]


def snapshot_of(contract: Any) -> Snapshot:
    """A snapshot of a `Contract` and its related rows (reads through the given contract)."""
    return Snapshot(
        criteria=contract.criteria,
        prioritisation=contract.prioritisation,
        prioritisation_not_applicable=contract.prioritisation_not_applicable,
        min_volume=contract.min_volume,
        max_volume=contract.max_volume,
        licences_required=contract.licences_required,
        licences_not_applicable=contract.licences_not_applicable,
        credentialing=contract.credentialing,
        trainings=contract.trainings,
        contact_aspects={c.aspect for c in contract.contacts.all()},
        escalation_levels=contract.escalation_levels.count(),
        services=[ServiceSpec(sd.code, sd.provision, sd.initiation, sd.conclusion,
                              sd.max_duration_days, sd.setting)
                  for sd in contract.service_definitions.all()],
        service_activities=contract.service_activities,
        workflows=contract.workflows,
        escalation_process=contract.escalation_process,
        tasks=[TaskSpec(t.kind, t.stage, t.due, t.done_at is not None) for t in contract.tasks.all()],
        it_platforms=contract.it_platforms,
        data_flows=[DataFlow(d.direction, d.what, d.when, d.how) for d in contract.data_sharing.all()],
        revisit_terms_on=contract.revisit_terms_on,
    )


def items_from_models(queryset: Iterable[Any]) -> list[Item]:
    return [Item(i.section, i.group, i.text, i.rule, i.required, i.has_due_date) for i in queryset]

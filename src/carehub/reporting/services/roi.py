"""Writes of the ROI area, each audited: start an ROI run (the `reporting.roi` job does
the work), keep its result, define a social measure, record a renewal decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carehub.analytics import roi as roi_job
from carehub.analytics.engines import connect
from carehub.analytics.extracts import Workspace, extract
from carehub.audit import services as audit
from carehub.contracts.models import Contract
from carehub.core.periods import add_months
from carehub.population.models import Dataset
from carehub.reporting.models import RenewalDecision, RoiRun, RoiStatus, SocialMeasure
from carehub.reporting.selectors import roi as selectors
from carehub.tenancy.access import Acting

KIND = "reporting.roi"


def _user(acting: Acting) -> Any:
    return acting.user if getattr(acting.user, "pk", None) else None


def create_run(contract: Contract, *, roster: Path, claims: Path, options: roi_job.RoiOptions,
               acting: Acting, dataset: Dataset | None = None, engine: str = "duckdb") -> RoiRun:
    """Record a run and its inputs (not started)."""
    options.check()
    run = RoiRun.objects.create(
        contract=contract, payer=contract.payer, hub=contract.provider, dataset=dataset,
        roster_path=str(roster), claims_path=str(claims), engine=engine,
        baseline_months=options.baseline_months, follow_up_months=options.follow_up_months,
        bootstrap=options.bootstrap, seed=options.seed, paid_given=options.paid,
        created_by=_user(acting))
    audit.record("create", acting=acting, object_type="roi_run", object_id=str(run.pk),
                 detail={"contract": contract.code, "dataset": getattr(dataset, "pk", None)})
    return run


def start_run(contract: Contract, *, dataset: Dataset, options: roi_job.RoiOptions,
              acting: Acting) -> RoiRun:
    """Record the run over a plan's dataset and put the job on the queue."""
    from carehub.jobs.services import start_job
    from carehub.reporting.tasks_roi import roi_task

    with transaction.atomic():
        run = create_run(contract, roster=Path(dataset.roster_path),
                         claims=Path(dataset.claims_path), options=options, acting=acting,
                         dataset=dataset)
        run.job = start_job(roi_task, kind=KIND, acting=acting, params={"run": run.pk},
                            title=f"ROI: {contract.code} on {dataset.name}")
        run.save(update_fields=["job"])
    return run


def options_of(run: RoiRun) -> roi_job.RoiOptions:
    return roi_job.RoiOptions(baseline_months=run.baseline_months,
                              follow_up_months=run.follow_up_months, bootstrap=run.bootstrap,
                              seed=run.seed)


def compute(run: RoiRun, roster: Path, claims: Path, *, acting: Acting,
            steps: Any = None) -> dict[str, Any]:
    """Run the analytics job for `run` (program members from the database, paid from
    issued statements or as given); nothing is saved here."""
    program = selectors.program_members(run.contract)
    audit.record("read", acting=acting, object_type="roi_program_members",
                 object_id=run.contract.code, detail={"members": len(program), "run": run.pk})
    with Workspace(connect(run.engine)) as ws:
        result = roi_job.run_roi(ws, extract("roster", roster, {}), extract("claims", claims, {}),
                                 program, options_of(run), steps=steps)
    result["savings"]["paid"] = None
    paid, source = paid_for(run, program, result)
    if paid is not None:
        roi_job.with_paid(result["savings"], paid, source)
    return result


def paid_for(run: RoiRun, program: dict[str, dt.date],
             result: dict[str, Any]) -> tuple[Decimal | None, str]:
    """Issued statements of the months from the first enrolment to the last claim; else
    the amount given with the run; else those months settled by the contract's terms."""
    first = min(program.values()).replace(day=1)
    through = dt.date.fromisoformat(result["claims_through"])
    last = add_months(through.replace(day=1), 1) - dt.timedelta(days=1)
    billed = selectors.paid_from_statements(run.contract, first, last)
    if billed:
        return billed, f"issued statements {first:%Y-%m} to {last:%Y-%m}"
    if run.paid_given:
        return run.paid_given, "given with the run"
    settled = selectors.paid_from_terms(run.contract, first, last)
    if settled:
        return settled, (f"the contract's terms settled {first:%Y-%m} to {last:%Y-%m} "
                         "(no statements issued)")
    return None, ""


def finish(run: RoiRun, *, result: dict[str, Any] | None = None, error: str = "",
           acting: Acting) -> RoiRun:
    run.status = RoiStatus.DONE if result is not None else RoiStatus.FAILED
    run.results = result or {}
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "results", "error", "finished_at"])
    audit.record("update", acting=acting, object_type="roi_run", object_id=str(run.pk),
                 detail={"status": run.status})
    return run


def mark_running(run: RoiRun) -> None:
    RoiRun.objects.filter(pk=run.pk).update(status=RoiStatus.RUNNING)


def define_measure(contract: Contract, *, name: str, counts: str, code: str, unit: str,
                   acting: Acting) -> SocialMeasure:
    if counts not in SocialMeasure.Counts.values:
        raise ValidationError({"counts": f"{counts!r} is not a kind of count"})
    with transaction.atomic():
        if SocialMeasure.objects.filter(contract=contract, name=name).exists():
            raise ValidationError({"name": f"{contract.code} already has a measure named {name!r}"})
        measure = SocialMeasure.objects.create(
            contract=contract, payer=contract.payer, hub=contract.provider, name=name,
            counts=counts, code=code, unit=unit, created_by=_user(acting))
        audit.record("create", acting=acting, object_type="social_measure",
                     object_id=str(measure.pk), detail={"contract": contract.code, "name": name,
                                                        "counts": counts, "code": code})
    return measure


def record_decision(contract: Contract, *, decision: str, reasons: str, transition_plan: str,
                    acting: Acting) -> RenewalDecision:
    """A renewal decision; winding down is refused without a member-transition plan."""
    if decision not in RenewalDecision.Decision.values:
        raise ValidationError({"decision": f"{decision!r} is not a decision"})
    if not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for the decision."})
    if decision == RenewalDecision.Decision.WIND_DOWN and not transition_plan.strip():
        raise ValidationError({"transition_plan": "Winding down needs a member-transition plan: "
                                                  "who takes on the active members, and when."})
    with transaction.atomic():
        latest = selectors.latest_result(acting, contract)
        made = RenewalDecision.objects.create(
            contract=contract, payer=contract.payer, hub=contract.provider, decision=decision,
            reasons=reasons.strip(), transition_plan=transition_plan.strip(),
            members_to_transition=selectors.active_members(contract), roi_run=latest,
            decided_by=_user(acting), decided_organisation=acting.organisation,
            decided_at=timezone.now())
        audit.record("create", acting=acting, object_type="renewal_decision",
                     object_id=str(made.pk),
                     detail={"contract": contract.code, "decision": decision,
                             "members_to_transition": made.members_to_transition})
    return made

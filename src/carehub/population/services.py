"""The only code that writes population rows: datasets, criteria versions, runs and their
results, hand-offs to a hub. Each write is audited with `acting`, in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carehub.analytics.eligibility import EligibilityResult
from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.core.eligibility import Criteria, parse_criteria
from carehub.core.textinput import parse_yaml
from carehub.jobs.services import start_job
from carehub.members.imports import RankedRow
from carehub.members.models import Member
from carehub.population import extract_files, outputs
from carehub.population.assignment import start_assignment
from carehub.population.extract_files import StoredFile
from carehub.population.models import CriteriaSet, Dataset, EligibilityRun, Handoff
from carehub.referrals.services.bulk import save_ranked_list
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

KIND = "population.eligibility_run"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Datasets ------------------------------------------------------------------------------

def _store(kind: str, upload: UploadedFile, folder: Path) -> StoredFile:
    name = Path(upload.name or kind).name
    try:
        path = folder / f"{kind}{extract_files.suffix_of(name)}"
        digest = extract_files.stream_to(upload.chunks(), path, name=name, size=upload.size)
        return extract_files.check(kind, path, name=name, sha256=digest)
    except extract_files.DatasetProblem as exc:
        exc.field = kind
        raise


def upload_dataset(plan: Organisation, *, name: str, roster: UploadedFile,
                   claims: UploadedFile, acting: Acting) -> Dataset:
    """Stream both files into a new folder of the plan's, check them, record the dataset.
    DatasetProblem (naming the file) leaves nothing behind: no folder, no row."""
    folder = extract_files.new_folder(plan.pk)
    try:
        files = [_store("roster", roster, folder), _store("claims", claims, folder)]
        return record_dataset(plan, name=name, files=files, source=Dataset.Source.UPLOAD,
                              acting=acting)
    except BaseException:
        extract_files.remove_folder(folder)
        raise


def record_dataset(plan: Organisation, *, name: str, files: Iterable[StoredFile], source: str,
                   acting: Acting) -> Dataset:
    by_kind = {f.kind: f for f in files}
    roster, claims = by_kind["roster"], by_kind["claims"]
    with transaction.atomic():
        dataset = Dataset.objects.create(
            plan=plan, name=name, source=source,
            roster_path=roster.relative, roster_name=roster.name, roster_sha256=roster.sha256,
            roster_rows=roster.rows, roster_columns=roster.columns,
            claims_path=claims.relative, claims_name=claims.name, claims_sha256=claims.sha256,
            claims_rows=claims.rows, claims_columns=claims.columns,
            period_start=claims.period_start, period_end=claims.period_end,
            created_by=acting.user if getattr(acting.user, "pk", None) else None)
        audit.record("create", acting=acting, organisation=plan, object_type="dataset",
                     object_id=str(dataset.pk),
                     detail={"name": name, "roster_sha256": roster.sha256,
                             "claims_sha256": claims.sha256, "rows": [roster.rows, claims.rows]})
    return dataset


# Criteria ------------------------------------------------------------------------------

def save_criteria(plan: Organisation, *, name: str, text: str, acting: Acting) -> CriteriaSet:
    """A new version of the named criteria set, or the latest one when the text is
    unchanged. The text must parse (the form and the YAML tab have checked it)."""
    parse_criteria(parse_yaml(text))
    digest = sha256_text(text)
    with transaction.atomic():
        latest = (CriteriaSet.objects.select_for_update().filter(plan=plan, name=name)
                  .order_by("-version").first())
        if latest is not None and latest.sha256 == digest:
            return latest
        version = (latest.version if latest else 0) + 1
        saved = CriteriaSet.objects.create(
            plan=plan, name=name, version=version, yaml=text, sha256=digest,
            created_by=acting.user if getattr(acting.user, "pk", None) else None)
        audit.record("create", acting=acting, organisation=plan, object_type="criteria_set",
                     object_id=str(saved.pk), detail={"name": name, "version": version,
                                                      "sha256": digest})
    return saved


# Runs ----------------------------------------------------------------------------------

def engine_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def of(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "unknown"

    return "; ".join(f"{p} {of(p)}" for p in ("carehub", "ibis-framework", "duckdb", "pyarrow"))


def _start(run: EligibilityRun, acting: Acting) -> EligibilityRun:
    from carehub.population.tasks import eligibility_run_task

    job = start_job(eligibility_run_task, kind=KIND, acting=acting, params={"run": run.pk},
                    title=f"Eligibility: {run.criteria_name} on {run.dataset.name}")
    run.job = job
    run.save(update_fields=["job"])
    return run


def start_run(plan: Organisation, *, dataset: Dataset, criteria_set: CriteriaSet,
              acting: Acting) -> EligibilityRun:
    """Record the run with its inputs (criteria text and hash, the files' checksums, the
    engine) and put its job on the queue."""
    criteria: Criteria = parse_criteria(parse_yaml(criteria_set.yaml))
    with transaction.atomic():
        run = EligibilityRun.objects.create(
            plan=plan, dataset=dataset, criteria_set=criteria_set,
            criteria_name=f"{criteria_set.name} v{criteria_set.version}",
            criteria_yaml=criteria_set.yaml, criteria_sha256=criteria_set.sha256,
            as_of=criteria.as_of, roster_sha256=dataset.roster_sha256,
            claims_sha256=dataset.claims_sha256, engine_version=engine_version(),
            created_by=acting.user if getattr(acting.user, "pk", None) else None)
        audit.record("create", acting=acting, organisation=plan, object_type="eligibility_run",
                     object_id=str(run.pk), detail={"dataset": dataset.pk,
                                                    "criteria_sha256": run.criteria_sha256})
        return _start(run, acting)


def run_again(run: EligibilityRun, *, acting: Acting) -> EligibilityRun:
    """A new run with exactly the first one's inputs: its criteria text and its files
    (checked against the checksums it recorded before anything is read)."""
    with transaction.atomic():
        again = EligibilityRun.objects.create(
            plan=run.plan, dataset=run.dataset, criteria_set=run.criteria_set,
            criteria_name=run.criteria_name, criteria_yaml=run.criteria_yaml,
            criteria_sha256=run.criteria_sha256, as_of=run.as_of,
            roster_sha256=run.roster_sha256, claims_sha256=run.claims_sha256,
            engine_version=engine_version(), rerun_of=run,
            created_by=acting.user if getattr(acting.user, "pk", None) else None)
        audit.record("create", acting=acting, organisation=run.plan,
                     object_type="eligibility_run", object_id=str(again.pk),
                     detail={"rerun_of": run.pk})
        return _start(again, acting)


def record_result(run: EligibilityRun, result: EligibilityResult, *, output: Path,
                  list_sha256: str, acting: Acting) -> EligibilityRun:
    """Keep a finished run's counts, equity and output; called by the job."""
    run.members_read = result.members_read
    run.members_eligible = result.members_eligible
    run.members_selected = result.members_selected
    run.equity = result.equity
    run.rank_measures = list(result.criteria.rank_measures)
    run.output_path = str(output.relative_to(extract_files.absolute("")))
    run.list_sha256 = list_sha256
    run.finished_at = timezone.now()
    run.save(update_fields=["members_read", "members_eligible", "members_selected", "equity",
                            "rank_measures", "output_path", "list_sha256", "finished_at"])
    audit.record("update", acting=acting, organisation=run.plan, object_type="eligibility_run",
                 object_id=str(run.pk),
                 detail={"eligible": run.members_eligible, "selected": run.members_selected,
                         "list_sha256": list_sha256})
    return run


def run_url(run: EligibilityRun) -> str:
    return reverse("population:run", args=[run.pk])


# Hand-off to a hub ---------------------------------------------------------------------

class HandoffRefused(ValueError):
    """The hand-off is outside the plan's agreements, or there is nothing to hand."""


def hand_to_hub(run: EligibilityRun, *, hub: Organisation, contract: Contract,
                service: ServiceDefinition, top: int | None, acting: Acting) -> Handoff:
    """Store the run's selected members (the first `top` of them, or all) as a ranked list
    for `hub` under `contract` and `service`, and assign it: the contract's rules decide
    who is referred; refused members are kept, by name, with the reasons."""
    plan = run.plan
    if not run.finished:
        raise HandoffRefused("This run has not finished.")
    if contract.payer_id != plan.pk or contract.provider_id != hub.pk:
        raise HandoffRefused(f"{contract.code} is not a contract between {plan.name} "
                             f"and {hub.name}.")
    if service.contract_id != contract.pk:
        raise HandoffRefused(f"{service.code} is not a service of {contract.code}.")
    chosen = outputs.selected_rows(run, top)
    if not chosen:
        raise HandoffRefused("No member is selected in this run.")
    rows = [RankedRow(row=i, member_id=r["member_id"], rank=r["rank"], selected=True,
                      reasons=r["reasons"], measures={k: str(v) for k, v in
                                                      json.loads(r["measures"]).items()})
            for i, r in enumerate(chosen, start=1)]
    source = f"eligibility run {run.pk} {run.list_sha256} top {len(rows)}".encode()
    with transaction.atomic():
        ranked, _ = save_ranked_list(
            plan, rows, name=f"{run.criteria_name} (run {run.pk}, top {len(rows)})",
            contract_code=contract.code, service_code=service.code, hub=hub,
            source_bytes=source, acting=acting)
        handoff = Handoff.objects.create(
            run=run, plan=plan, hub=hub, contract_code=contract.code, service_code=service.code,
            members=len(rows), ranked_list=ranked,
            created_by=acting.user if getattr(acting.user, "pk", None) else None)
        started = start_assignment(ranked, hub, acting=acting)
        handoff.job = started.job
        handoff.outcome = _with_names(plan, started.outcome)
        handoff.save(update_fields=["job", "outcome"])
        audit.record("create", acting=acting, organisation=plan, object_type="eligibility_handoff",
                     object_id=str(handoff.pk),
                     detail={"run": run.pk, "hub": hub.pk, "contract": contract.code,
                             "service": service.code, "members": len(rows),
                             "ranked_list": ranked.pk})
    return handoff


def _with_names(plan: Organisation, outcome: dict[str, Any]) -> dict[str, Any]:
    """Refused members by name: the plan's own roster says who they are."""
    refused = outcome.get("refused") or []
    if not refused:
        return outcome
    names = {m: f"{first} {last}".strip() for m, first, last in Member.objects.filter(
        plan=plan, member_id__in=[r[0] for r in refused]).values_list(
        "member_id", "first_name", "last_name")}
    return {**outcome, "refused": [[m, names.get(m, ""), why] for m, why in refused]}


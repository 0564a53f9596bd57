"""Site-wide periodic tasks of the apps below `jobs` (they cannot import the queue
themselves): sealing and verifying the audit chain. Scheduled in carehub/schedule.py;
the cron commands (`carehub audit seal|verify`) call the same functions."""

from __future__ import annotations

import logging
from typing import Any

from carehub.audit.chain import CheckpointError
from carehub.audit.selectors import verify_chain
from carehub.audit.services import seal
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting

logger = logging.getLogger("carehub.audit.verify")

# Findings kept on the job row; the log has them all.
MAX_FINDINGS = 50


def audit_seal_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Sealing the audit chain")
    result = seal()
    return Outcome(summary={"sealed": result.sealed, "position": result.position},
                   message=f"Sealed {result.sealed} events; the chain ends at position "
                           f"{result.position}.")


def audit_verify_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Verifying the audit chain")
    try:
        report = verify_chain()
    except CheckpointError as exc:
        logger.error("audit chain verification could not run: %s", exc)
        raise JobFailed(f"The audit chain could not be verified: {exc}") from exc
    summary = {"sealed": report.sealed, "unsealed": report.unsealed,
               "checkpoints": report.checkpoints, "findings": len(report.findings)}
    if not report.intact:
        # Loud: an operator's alerting watches ERROR lines; the failed job shows each place.
        for finding in report.findings:
            logger.error("audit chain: %s", finding)
        logger.error("audit chain broken: %d findings (%d sealed events)",
                     len(report.findings), report.sealed)
        raise JobFailed(f"The audit chain is broken: {len(report.findings)} findings. "
                        "Run `carehub audit verify` and see docs/security.md.",
                        [{"where": "audit chain", "message": f}
                         for f in report.findings[:MAX_FINDINGS]])
    return Outcome(summary=summary, message=f"Audit chain intact: {report.sealed} sealed "
                                            f"events, {report.checkpoints} checkpoints.")


@task(queue_name="periodic")
def audit_seal_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, audit_seal_body)


@task(queue_name="periodic")
def audit_verify_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, audit_verify_body)

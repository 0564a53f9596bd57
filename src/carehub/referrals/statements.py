"""A contract's month settled as a job (`referrals.settle`): the activity built from the
database (`activity.build_activity`), settled by the engine (`core.settlement`), the
statement kept as the job's result. The totals go in `Job.result`; the full statement
(lines with their basis) is written once, atomically, to VAR_DIR/statements/<job id>.json
and offered as JSON and CSV from a small page. Billing (a later issue) will keep
statements in its own tables; until then this file is the statement.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract
from carehub.core.activity import ActivityError, load_activity
from carehub.core.settlement import SettlementError, settle
from carehub.core.spreadsheet import SafeWriter
from carehub.core.terms import TermsError, load_terms
from carehub.core.validation import InputError
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.runner import Outcome
from carehub.referrals.activity import PeriodError, build_activity, period_bounds

CSV_COLUMNS = ("component", "label", "quantity", "rate", "amount", "basis")


def statement_path(job_id: Any) -> Path:
    return Path(settings.VAR_DIR) / "statements" / f"{job_id}.json"


def read_statement(job: Job) -> dict[str, Any] | None:
    path = statement_path(job.pk)
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def statement_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)  # labels come from the terms: never formulas
    writer.writerow(CSV_COLUMNS)
    for line in data.get("lines", []):
        writer.writerow([line.get(c, "") for c in CSV_COLUMNS])
    writer.writerow(["total", "", "", "", data.get("total", ""), ""])
    return out.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _failed(exc: InputError, where: str) -> JobFailed:
    errors = [{"where": f"{where} {path}".strip(), "message": message}
              for path, message in exc.errors]
    return JobFailed(f"{where}: {len(errors)} problem{'s' if len(errors) != 1 else ''}; "
                     "no statement was made.", errors)


def settle_job(job: Job, progress: Progress) -> Outcome:
    """Build, settle and keep the statement. Nothing is written until the statement is
    whole; a job run again (or resumed) builds the same statement from the same data."""
    period = str(job.params["period"])
    with scopes_disabled():
        contract = (Contract.objects.select_related("payer", "provider")
                    .filter(pk=job.params["contract"]).first())
    if contract is None:
        raise JobFailed("The contract for this settlement no longer exists.")
    progress.stage("Reading the activity", 3)
    try:
        start, _end = period_bounds(period)
        data = build_activity(contract.code, period, plan=contract.payer)
        activity = load_activity(data)
    except PeriodError as exc:
        raise JobFailed(f"{contract.code} {period}: {exc}") from None
    except ActivityError as exc:
        raise _failed(exc, f"{contract.code} {period} activity") from None
    progress.check_cancelled()
    progress.stage("Settling", 3, done=1)
    with scopes_disabled():
        document = contract_selectors.terms_in_force(contract, start)
    if not document:
        raise JobFailed(f"{contract.code} has no terms in force on {start}.")
    try:
        terms = load_terms(document)
        statement = settle(terms, activity)
    except TermsError as exc:
        raise _failed(exc, f"{contract.code} terms") from None
    except SettlementError as exc:
        raise _failed(exc, f"{contract.code} {period}") from None
    progress.check_cancelled()
    progress.stage("Keeping the statement", 3, done=2)
    full = statement.to_json_dict()
    text = json.dumps(full, indent=2, ensure_ascii=False) + "\n"
    with transaction.atomic():
        _write_atomically(statement_path(job.pk), text)
        progress.commit(done=3, checkpoint={"statement": str(statement_path(job.pk).name)})
    summary = {"contract": contract.code, "period": period, "total": full["total"],
               "by_mlr": full["by_mlr"], "lines": len(full["lines"]),
               "members": len(data["attribution"])}
    return Outcome(summary=summary, url=reverse("referrals:statement", args=[job.pk]),
                   message=f"{contract.code} {period}: {len(full['lines'])} lines, total "
                           f"{full['total']}")


def contracts_to_settle(org: Any) -> list[Contract]:
    """Contracts in effect that the organisation is a party to (payer or provider)."""
    with scopes_disabled():
        return list(contract_selectors.contracts_in_effect(org).select_related("payer",
                                                                              "provider")
                    .order_by("code"))


def month_choices(today: date, count: int = 12) -> list[tuple[str, str]]:
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        value = f"{year:04d}-{month:02d}"
        out.append((value, date(year, month, 1).strftime("%B %Y")))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out

"""Building blocks for the import, assignment and settlement job tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from carehub.jobs.models import Job
from carehub.jobs.runner import run_job

HEADER = "member_id,first_name,last_name,birth_date,sex,product,enroll_start,enroll_end,county\n"


def roster_text(n: int, *, prefix: str = "R", start: int = 0) -> str:
    rows = [f"{prefix}{i:06d},First{i},Last{i},1950-02-03,{'FM'[i % 2]},medicaid,2025-01-01,,"
            "\"Erie, NY\"" for i in range(start, start + n)]
    return HEADER + "\n".join(rows) + "\n"


def ranked_text(member_ids: list[str], *, selected_every: int = 1) -> str:
    lines = ["member_id,rank,selected,reasons"]
    lines += [f"{m},{i + 1},{'true' if i % selected_every == 0 else 'false'},high risk"
              for i, m in enumerate(member_ids)]
    return "\n".join(lines) + "\n"


def upload(text: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def write(tmp: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def run(job: Job, body: Any) -> Job:
    run_job(str(job.pk), body)
    with scopes_disabled():
        job.refresh_from_db()
    return job


def finish(response: Any) -> Job:
    """The job a page started (it redirected to the job's page), run to its end as a
    worker would run it."""
    from django.utils.module_loading import import_string

    assert response.status_code == 302, response.content.decode()[:2000]
    pk = response["Location"].rstrip("/").split("/")[-1]
    with scopes_disabled():
        job = Job.objects.get(pk=pk)
    import_string(job.task_path).func(str(job.pk))
    with scopes_disabled():
        job.refresh_from_db()
    return job


def places(job: Job) -> list[tuple[str, str]]:
    return [(e["where"], e["message"]) for e in job.errors]

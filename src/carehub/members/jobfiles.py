"""The file an import job reads: kept in the job's own folder under VAR_DIR/jobs/<job id>
until the job ends, with its checksum in the job's parameters, so a job resumed after its
worker died reads the very same file (and refuses to go on with another)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed
from carehub.members.imports import ImportProblem

CHUNK_ROWS = 2000


def chunk_rows(job: Job) -> int:
    """Rows saved per transaction: the job's `chunk` parameter, else the setting."""
    return max(1, int(job.params.get("chunk") or getattr(settings, "CAREHUB_IMPORT_CHUNK",
                                                          CHUNK_ROWS)))


def job_folder(job_id: Any) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / str(job_id)


def sha256_of(source: Path | UploadedFile) -> str:
    digest = hashlib.sha256()
    if isinstance(source, Path):
        with source.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    else:
        for block in source.chunks():
            digest.update(block)
    return digest.hexdigest()


def upload_params(upload: UploadedFile) -> dict[str, str]:
    """What the job needs to find and trust the upload: its name, suffix and checksum."""
    name = Path(upload.name or "upload").name
    return {"file": name, "suffix": Path(name).suffix.lower(), "sha256": sha256_of(upload)}


def keep_upload(job: Job, upload: UploadedFile) -> Path:
    """Copy the upload, chunk by chunk (never whole in memory), into the job's folder."""
    folder = job_folder(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload{job.params['suffix']}"
    with path.open("wb") as out:
        for block in upload.chunks():
            out.write(block)
    return path


def job_file(job: Job) -> Path:
    """The job's file, checked against the checksum taken when the job was started."""
    params = job.params
    path = (Path(params["path"]) if params.get("path")
            else job_folder(job.pk) / f"upload{params.get('suffix', '')}")
    name = params.get("file") or path.name
    if not path.is_file():
        raise JobFailed(f"{name}: the file for this job is gone; upload it again.")
    if sha256_of(path) != params.get("sha256"):
        raise JobFailed(f"{name}: the file is not the one this job started with (its "
                        "checksum differs); not resumed. Start a new import instead.")
    return path


def forget_upload(job: Job) -> None:
    """The job has ended: its copy of the upload goes (a file named on the command line
    is the person's own and stays)."""
    if not job.params.get("path"):
        shutil.rmtree(job_folder(job.pk), ignore_errors=True)


def failed(problem: ImportProblem, name: str) -> JobFailed:
    """An ImportProblem as a job failure: every error names file, row and column."""
    errors = [{"where": (f"{name} row {row}" + (f", column {col}" if col else "")) if row
               else name, "message": message} for row, col, message in problem.errors]
    count = len(errors)
    return JobFailed(f"{name}: {count} problem{'s' if count != 1 else ''} found; nothing "
                     "was saved. Correct the file and upload it again.", errors)

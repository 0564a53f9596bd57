"""The fields a log line carries about where it comes from (a request or a background
job): a context variable set by the request middleware and the job runner, read by the
logging filter in `carehub.logs`. Only ids and a path, never member data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("request_id", "path", "user_id", "organisation_id", "job_id", "job_kind")
LOG_CONTEXT: ContextVar[dict[str, Any] | None] = ContextVar("carehub_log_context", default=None)


@contextmanager
def job_context(job_id: str, kind: str, user_id: Any, organisation_id: Any) -> Iterator[None]:
    """While a job runs, its log lines carry the job's id and kind, its starter and
    organisation, as a request's carry the request's."""
    token = LOG_CONTEXT.set({"job_id": job_id, "job_kind": kind, "user_id": user_id,
                             "organisation_id": organisation_id})
    try:
        yield
    finally:
        LOG_CONTEXT.reset(token)

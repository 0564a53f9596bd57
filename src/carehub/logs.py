"""Structured logs: who and which request a log line belongs to.

`RequestContextMiddleware` (last in MIDDLEWARE) puts the request id (from
`audit.middleware.RequestIdMiddleware`), the path, the signed-in user's id and the acting
organisation's id in a context variable until the next request starts; the
`RequestContextFilter` copies them onto every log record (inside a background job the
runner puts the job's id and kind there: `core.log_context.job_context`), so the production settings'
JSON formatter (python-json-logger) writes them as fields. Only ids and the path: never
a query string, a form or member data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.signals import request_started
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.core import RESERVED_ATTRS

from carehub.core.log_context import FIELDS
from carehub.core.log_context import LOG_CONTEXT as _context


def _clear(**kwargs: Any) -> None:
    _context.set(None)


request_started.connect(_clear, dispatch_uid="carehub.logs.clear")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for name in FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name))
        return True


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Not reset on the way out: Django logs a 4xx/5xx response ("Not Found: ...") after
        # the middleware has returned. The next request clears it (`request_started`).
        _context.set(self._context(request))
        return self.get_response(request)

    @staticmethod
    def _context(request: HttpRequest) -> dict[str, Any]:
        user = getattr(request, "user", None)
        # The tenancy middleware has resolved (and cached) the acting membership by now.
        acting = getattr(request, "_acting", None)
        organisation = getattr(acting, "organisation", None)
        return {
            "request_id": getattr(request, "request_id", None),
            "path": request.path,
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "organisation_id": getattr(organisation, "pk", None),
        }


def json_logging(level: str) -> dict[str, Any]:
    """The LOGGING setting for production: one JSON object per line on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "carehub.logs.RequestContextFilter"}},
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s "
                   + " ".join(f"%({name})s" for name in FIELDS),
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            # Django puts the request on some records; its text holds the query string
            # (a search may name a member), so it is left out.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        }},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "filters": ["request"]}},
        "root": {"handlers": ["console"], "level": level},
    }

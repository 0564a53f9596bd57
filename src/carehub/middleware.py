"""Request and response guards that apply to every page, download and API route.

- `RejectNulBytesMiddleware`: PostgreSQL refuses text containing a NUL character, so a
  NUL in the path answers 404 and a NUL in a query-string or form field answers 400
  before any view runs. Uploaded file contents are not inspected (Parquet files hold
  NUL bytes); their rows are checked by the importers.
- `NoStoreMiddleware`: responses to a signed-in user carry member data, so no browser
  or proxy may keep a copy (`Cache-Control: no-store, private`). Static files are
  answered earlier by WhiteNoise and keep their long cache lifetime.
- `DataErrorMiddleware`: the last resort when a value the database cannot hold got past
  the forms (too long, out of range); it answers 400 instead of 500 and logs the view,
  so the missing validation can be added where it belongs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger("carehub.requests")

NUL = "\x00"


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 with a message a person (or an API client) can act on."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _nul_field(data: object) -> str | None:
    """The name of the first field whose name or any value holds a NUL, if any."""
    for key, values in data.lists():  # type: ignore[attr-defined]
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            return key.replace(NUL, "\\x00")
    return None


class RejectNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            if request.path.startswith("/api/"):  # API clients read a JSON `detail`
                return JsonResponse({"detail": "Not Found"}, status=404)
            raise Http404("Not found")
        field = _nul_field(request.GET)
        where = "query string"
        if field is None and request.method == "POST" and not request.path.startswith("/api/"):
            # Form fields only: request.POST holds no file contents (those are in FILES).
            field = _nul_field(request.POST)
            where = "form"
        if field is not None:
            return bad_request(request, f"The {where} field '{field}' contains a NUL character "
                                        "(\\x00), which is not allowed; remove it and try again.")
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "Cache-Control" in response:
                del response["Cache-Control"]  # a view's max-age must not outlive the session
            patch_cache_control(response, no_store=True, private=True)
        return response


class DataErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError):
            return None
        logger.error("DataError reached %s %s; validate this input in its form: %s",
                     request.method, request.path, exception)
        return bad_request(request, "A value is too long or not valid for its field; nothing "
                                    "was saved. Check the values and try again.")

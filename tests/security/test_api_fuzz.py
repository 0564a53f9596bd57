"""Schemathesis against the JSON API (/api/openapi.json, the HSDS API under /api/hsds/
included), in process against the Django WSGI application, signed in.

Every operation gets generated requests, valid ones and (negative mode) ones that break
the schema: out-of-range numbers, wrong types, NUL bytes and other odd characters in
strings. No answer may be a 5xx, every 4xx must say what was wrong (a JSON body with a
non-empty `detail`), and every 2xx must have the shape the schema declares.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.integration.conftest import make_tenant, signed_in
from tests.security.world import World, make_world

pytestmark = pytest.mark.django_db
EXAMPLES = 30  # per operation and mode; bounded so the file runs in about a minute


def clear_4xx(ctx: Any, response: Any, case: Any) -> bool | None:
    """A refused request says why: JSON with a non-empty `detail`."""
    if 400 <= response.status_code < 500:
        try:
            body = response.json()
        except ValueError:
            raise AssertionError(
                f"{response.status_code} without a JSON body: {response.text[:200]!r}") from None
        detail = body.get("detail") if isinstance(body, dict) else None
        assert detail, f"{response.status_code} with no detail: {body!r}"
    return None


@contextmanager
def wsgi_app() -> Iterator[Any]:
    """The Django WSGI application, keeping the test's database connection open.

    The real handler closes old connections at each request's start and end, which would
    close the test's transaction; Django's own test client disconnects the same two
    signal handlers while it runs a request (and connects them again after it, so no
    test client may run inside this block).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_answers_every_generated_request_without_5xx() -> None:
    # A hub coordinator reads every operation's rows (referrals and the directory).
    world, role = make_world("Fuzz"), "hub_coordinator"
    started = time.monotonic()
    client = signed_in(world.users[role])
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    with wsgi_app() as app:
        fuzz(app, world, role, cookies, started)


def runner(strategy: Any, cookies: dict[str, str], count: Any) -> Any:
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call(cookies=cookies)
        count(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, clear_4xx,
                                                response_schema_conformance])

    return run


def fuzz(app: Any, world: World, role: str, cookies: dict[str, str], started: float) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    # Real ids of the acting set, so detail operations reach rows, not only 404s.
    known = {"service_id": str(world.service.pk), "organization_id": world.hsds_org_id,
             "pk": world.referral.pk}
    seen: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    modes: Counter[str] = Counter()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        names = {p.name for p in operation.path_parameters}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if names:
                strategy = st.one_of(strategy, operation.as_strategy(
                    generation_mode=mode,
                    path_parameters={k: v for k, v in known.items() if k in names}))

            run = runner(strategy, cookies, lambda status, label=label, mode=mode: (
                seen.update([label]), modes.update([mode.value]), statuses.update([status])))
            try:
                run()
            except Exception as exc:
                if "Failed to generate" in str(exc) or "Unsatisfiable" in type(exc).__name__:
                    continue  # negative mode has nothing to break in a parameterless op
                raise
    print(f"\nschemathesis ({role}): {len(seen)} operations, {sum(seen.values())} requests "
          f"{dict(modes)}, statuses {dict(sorted(statuses.items()))}, "
          f"{time.monotonic() - started:.1f}s")
    assert set(seen) == {f"{o.method.upper()} {o.path}" for o in operations}


BOUNDS = [
    ("/api/referrals/referrals?limit=-5", "limit"),
    ("/api/referrals/referrals?limit=100000", "limit"),
    ("/api/referrals/referrals/99999999999999999999", "pk"),
    ("/api/hsds/services?per_page=0", "per_page"),
    ("/api/hsds/services?per_page=101", "per_page"),
    ("/api/hsds/services?page=-1", "page"),
    ("/api/hsds/organizations?search=" + "x" * 101, "search"),
]
# A NUL character in a query-string field is refused by the request middleware
# (carehub.middleware.RejectNulBytesMiddleware) before the API runs, since PostgreSQL
# cannot store it: 400, with the field named in `detail`.
NUL_IN_QUERY = [
    ("/api/hsds/services?search=a%00b", "search"),
    ("/api/hsds/services?organization_id=%00", "organization_id"),
    ("/api/hsds/organizations?search=%00", "search"),
    ("/api/referrals/referrals?limit=1%00", "limit"),
]
# A NUL in the path names nothing that can exist: the middleware answers 404.
NUL_IN_PATH = ["/api/hsds/services/a%00b", "/api/hsds/organizations/a%00b",
               "/api/referrals/referrals/1%00"]


def test_out_of_bounds_input_is_a_422_naming_the_field() -> None:
    client = signed_in(make_tenant("Bounds").users["hub_coordinator"])
    for url, field in BOUNDS:
        response = client.get(url)
        assert response.status_code == 422, (url, response.content)
        detail = response.json()["detail"]
        assert [d["loc"][-1] for d in detail] == [field] and detail[0]["msg"], url
    for url, field in NUL_IN_QUERY:
        response = client.get(url)
        assert response.status_code == 400, (url, response.content)
        detail = response.json()["detail"]
        assert f"'{field}'" in detail and "NUL" in detail, (url, detail)
    for url in NUL_IN_PATH:
        assert client.get(url).status_code == 404, url


def test_nul_in_an_api_path_is_a_json_404() -> None:
    client = signed_in(make_tenant("Bounds").users["hub_coordinator"])
    for url in NUL_IN_PATH:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json"), (url, response.content)
        assert response.json()["detail"], url

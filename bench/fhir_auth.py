"""What the FHIR door costs a request, and the token endpoint's time (PostgreSQL).

    .venv/bin/python bench/fhir_auth.py [--samples 300] [--db carehub_bench_fhir_auth]
        [--host postgresql://postgres@127.0.0.1:5432] [--drop]

Creates (or recreates) the database and migrates it; registers a partner system for a
hub (RSA 2048 key). Then, with Django's test client (whole middleware stack):
- the token endpoint: `--samples` client-credentials requests, each with a freshly signed
  RS384 assertion (signing not timed): verification, jti record, DOT issuing the token;
- the same trivial view (an empty Bundle) mounted at /fhir/ twice, bare and behind
  `@fhir_endpoint("Task", "search")`: the difference is the door (token lookup, partner,
  scope, tenant role and scopes in and out, one audit insert).
Prints p50 / p95 / max of each with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)


def figures(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(f"{name}: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
          f"({len(ms)} requests)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--db", default="carehub_bench_fhir_auth")
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    django_on(args.host, args.db, reuse=False)

    import json

    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path
    from django_scopes import scopes_disabled
    from jwcrypto import jwk, jwt

    from carehub.fhir.auth import fhir_endpoint
    from carehub.fhir.oauth import ASSERTION_TYPE
    from carehub.fhir.responses import fhir_response
    from carehub.fhir.services import clients
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Organisation

    key = jwk.JWK.generate(kty="RSA", size=2048, kid="bench-1")
    with scopes_disabled():
        hub = Organisation.objects.create(kind="hub", name="Bench Hub", legal_name="Bench Hub",
                                          slug="bench-hub")
        partner = clients.register(hub, name="Bench EHR", scopes="system/*.rs",
                                   jwks={"keys": [json.loads(key.export_public())]},
                                   acting=Acting.system(hub))

    def bundle(request: object) -> HttpResponse:
        return fhir_response({"resourceType": "Bundle", "type": "searchset", "total": 0})

    urls = types.ModuleType("bench_fhir_auth_urls")
    urls.urlpatterns = [path("fhir/bench/bare", bundle),  # type: ignore[attr-defined]
                        path("fhir/bench/door", fhir_endpoint("Task", "search")(bundle)),
                        path("", include("carehub.urls"))]
    sys.modules[urls.__name__] = urls

    def assertion() -> str:
        token = jwt.JWT(header={"alg": "RS384", "kid": key.kid, "typ": "JWT"}, claims={
            "iss": partner.client_id, "sub": partner.client_id,
            "aud": "http://testserver/fhir/auth/token", "exp": int(time.time()) + 240,
            "jti": uuid.uuid4().hex})
        token.make_signed_token(key)
        return token.serialize()

    client = Client()
    with override_settings(ROOT_URLCONF=urls.__name__):
        token_times, access = [], ""
        for i in range(args.samples + 1):
            body = urlencode({"grant_type": "client_credentials", "scope": "system/Task.rs",
                              "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion()})
            t0 = time.perf_counter()
            response = client.post("/fhir/auth/token", data=body,
                                   content_type="application/x-www-form-urlencoded")
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, response.content
            access = response.json()["access_token"]
            if i:
                token_times.append(elapsed)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
        timed: dict[str, list[float]] = {"bare": [], "door": []}
        for i in range(args.samples + 1):
            for name in ("bare", "door"):
                t0 = time.perf_counter()
                response = client.get(f"/fhir/bench/{name}", **headers)  # type: ignore[arg-type]
                elapsed = time.perf_counter() - t0
                assert response.status_code == 200, response.content
                if i:
                    timed[name].append(elapsed)
    print(f"load average {os.getloadavg()[0]:.2f}")
    figures("token endpoint (RS384 assertion verified, token issued)", token_times)
    figures("trivial view, bare", timed["bare"])
    figures("trivial view behind @fhir_endpoint", timed["door"])
    door = statistics.median(timed["door"]) - statistics.median(timed["bare"])
    print(f"the door's cost (difference of medians): {door * 1000:.1f} ms")
    if args.drop:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{args.host}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

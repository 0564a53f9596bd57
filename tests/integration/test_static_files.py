"""Production serves its own static files: `carehub collectstatic`, then gunicorn with
carehub.settings_production answers /static/ through WhiteNoise, hashed names cached
for a year."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import carehub

SRC = Path(carehub.__file__).resolve().parents[1]
CSS = SRC / "carehub" / "static" / "carehub" / "app.css"

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="no database involved; runs in the SQLite pass")


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    var = tmp_path_factory.mktemp("production")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DJANGO_SETTINGS_MODULE="carehub.settings_production", DATABASE_URL="",
               CAREHUB_SECRET_KEY="k" * 20 + "Zq9!x" * 12, CAREHUB_VAR=str(var),
               CAREHUB_ALLOWED_HOSTS="127.0.0.1",
               PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]))
    collected = subprocess.run([sys.executable, "-m", "carehub.cli", "collectstatic",
                                "--no-input"], env=env, capture_output=True, text=True,
                               timeout=300)
    assert collected.returncode == 0, collected.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (var / "gunicorn.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "carehub.wsgi:application",
                                "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(base + "/static/carehub/app.css")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((var / "gunicorn.log").read_text()) from None
                time.sleep(0.5)
        yield {"base": base, "root": var / "static"}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_hashed_static_files_are_served_with_a_year_long_cache(production):
    manifest = json.loads((production["root"] / "staticfiles.json").read_text())
    hashed = manifest["paths"]["carehub/app.css"]
    assert hashed != "carehub/app.css"
    status, headers, body = get(f"{production['base']}/static/{hashed}")
    assert status == 200
    assert body == CSS.read_bytes()
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Type"].startswith("text/css")
    status, headers, _ = get(f"{production['base']}/static/{hashed}", **{
        "Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"


def test_the_plain_name_is_served_too_and_unknown_files_are_404(production):
    status, headers, body = get(f"{production['base']}/static/carehub/app.css")
    assert status == 200 and body == CSS.read_bytes()
    assert "no-store" not in headers.get("Cache-Control", "")
    assert get(f"{production['base']}/static/carehub/missing.css")[0] == 404


def test_plain_http_is_still_sent_to_https_first(production):
    request = urllib.request.Request(f"{production['base']}/static/carehub/app.css")
    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect()).open(request, timeout=30)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://")


def test_favicon_redirects_to_the_hashed_icon_served_by_whitenoise(production):
    status, headers, _ = get(f"{production['base']}/favicon.ico")
    assert status == 302
    location = headers["Location"]
    assert location.startswith("/static/carehub/favicon.") and location.endswith(".ico")
    assert location != "/static/carehub/favicon.ico"  # the hashed name, cached for a year
    status, headers, body = get(f"{production['base']}{location}")
    assert status == 200
    assert body == (SRC / "carehub" / "static" / "carehub" / "favicon.ico").read_bytes()
    assert headers["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")

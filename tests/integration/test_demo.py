"""The demo seed: every printed login works, and re-running it adds nothing twice."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_scopes import scopes_disabled

from carehub.demo import seed as demo
from carehub.exchange import demo as exchange_demo
from carehub.exchange.models import Delivery
from carehub.fhir.models import PartnerSystem
from carehub.members.models import EnrolmentSpan, Member
from carehub.tenancy.models import Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.VAR_DIR = tmp_path  # the drop folders and the demo partners' keys
    return demo.seed(members=60, log=lambda s: None)


def test_demo_has_a_plan_a_hub_nine_cbos_and_every_role(seeded):
    assert Organisation.objects.filter(kind="payer").count() == 1
    assert Organisation.objects.filter(kind="hub").count() == 1
    assert Organisation.objects.filter(kind="cbo").count() == 9
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker",
                     "payer_manager", "payer_analyst", "auditor"}
    with scopes_disabled():
        # The seeded 60, and the few new ones the plan's member list brings by file.
        assert Member.objects.count() == 60 + len(exchange_demo.ROSTER)


def test_demo_exchanges_files_and_has_partner_systems(seeded):
    with scopes_disabled():
        statuses = sorted(Delivery.objects.values_list("data_set__name", "status"))
        partners = sorted(PartnerSystem.objects.values_list("organisation__kind", flat=True))
    assert statuses == [("Monthly member list", "accepted"), ("Monthly member list", "refused"),
                        ("Monthly service report", "sent")]
    assert partners == ["cbo", "payer"]
    # Each partner's private key is there to try the API with, readable by its owner only.
    keys = sorted((settings.VAR_DIR / "demo").glob("partner-*.json"))
    assert len(keys) == 2 and all(k.stat().st_mode & 0o077 == 0 for k in keys)


def test_seeding_twice_adds_nothing(seeded):
    with scopes_disabled():
        before = (Member.objects.count(), EnrolmentSpan.objects.count(), Membership.objects.count())
        demo.seed(members=60, log=lambda s: None)
        after = (Member.objects.count(), EnrolmentSpan.objects.count(), Membership.objects.count())
    assert before == after


@pytest.mark.parametrize("username", list(demo.DEMO_PEOPLE))
def test_every_printed_login_works(seeded, username):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    if username == "hubadmin":
        assert reverse("accounts:verify") in response["Location"]
        code = str(totp(bytes.fromhex(demo.DEMO_TOTP_KEY))).zfill(6)
        response = client.post(reverse("accounts:verify"), {"token": code})
        assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["acting"].user.username == username


# `carehub demo` on a port someone else holds: a clear message before any seeding.

@pytest.fixture
def busy_port():  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def _demo_fails(*args: str) -> str:
    import io

    from django.core.management import call_command

    err = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("demo", *args, stdout=io.StringIO(), stderr=err)
    assert stopped.value.code == 2
    return err.getvalue()


def test_demo_on_a_busy_port_says_how_to_choose_another_and_seeds_nothing(busy_port):
    message = _demo_fails("--members", "5", "--addr", f"127.0.0.1:{busy_port}")
    assert f"127.0.0.1:{busy_port} is already in use" in message
    assert "Nothing was seeded." in message
    assert "carehub demo --addr 127.0.0.1:" in message
    assert "CAREHUB_DEMO_ADDR=127.0.0.1:" in message and "make demo" in message
    suggested = int(message.split("--addr 127.0.0.1:")[1].split("`")[0])
    assert suggested != busy_port
    assert not Organisation.objects.exists()


def test_demo_reads_its_address_from_the_environment(busy_port, monkeypatch):
    monkeypatch.setenv("CAREHUB_DEMO_ADDR", f"127.0.0.1:{busy_port}")
    assert f"127.0.0.1:{busy_port} is already in use" in _demo_fails("--members", "5")
    assert not Organisation.objects.exists()


def test_demo_names_a_malformed_address(db):
    assert "'nowhere' is not an address such as 127.0.0.1:8000" in _demo_fails(
        "--addr", "nowhere")


# `carehub demo_code` outside the project: one clear line, and no database left behind.

def _demo_code_in(folder):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    import carehub

    src = Path(carehub.__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items()
           if k not in ("CAREHUB_VAR", "CAREHUB_HOME", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL="", PYTHONPATH=os.pathsep.join([str(src), env.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "carehub.cli", "demo_code"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=120)


def test_demo_code_outside_the_project_fails_clearly_and_creates_no_database(tmp_path):
    done = _demo_code_in(tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"CommandError: there is no carehub database at {tmp_path / 'var' / 'carehub.sqlite3'}; "
        "run it in the folder where the demo was seeded (`make demo` or `carehub demo`), or "
        "point CAREHUB_VAR or DATABASE_URL at the demo's database"]
    assert not (tmp_path / "var" / "carehub.sqlite3").exists()
    assert done.stdout == ""


def test_demo_code_on_a_database_without_carehub_tables_fails_clearly(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "carehub.sqlite3").touch()  # e.g. left by an older version
    done = _demo_code_in(tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "is not a carehub database (no such table: otp_totp_totpdevice)" in done.stderr

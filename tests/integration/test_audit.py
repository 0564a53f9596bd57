from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.audit.chain import key_id, seal_mac
from carehub.audit.models import AuditEvent, AuditSeal
from carehub.audit.selectors import verify_chain

pytestmark = pytest.mark.django_db


def seed_events(tenant, n=5):
    for i in range(n):
        audit.record("view", actor=tenant.users["payer_manager"], organisation=tenant.payer,
                     object_type="member", object_id=str(i), member_id=str(i))


def sealed_chain(tenant, n=5):
    seed_events(tenant, n)
    audit.seal()
    with scopes_disabled():
        return list(AuditSeal.objects.select_related("event").order_by("position"))


def tamper(sql: str, params: list) -> None:
    """Change rows behind the application's back, as a database administrator could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can bypass triggers; the keyed chain still catches the change.
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("PRAGMA foreign_keys = ON")


def db_time(moment):
    """A time as the database backend stores it, for raw SQL."""
    return connection.ops.adapt_datetimefield_value(moment)


def verify_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_recorded_events_are_sealed_and_verify(tenant, _audit_settings, capsys):
    seed_events(tenant)
    assert verify_chain().intact  # not yet sealed, but recent: awaiting the sealer
    call_command("audit", "seal")
    assert "sealed 5 events; carehub-audit-checkpoint position=5" in capsys.readouterr().out
    out, _ = verify_command()
    assert "audit chain intact: 5 sealed events, 0 awaiting the sealer, 1 checkpoints" in out
    line = _audit_settings.read_text().strip()
    with scopes_disabled():
        assert line.startswith(f"carehub-audit-checkpoint position=5 mac={AuditSeal.objects.get(position=5).mac} ")


def test_sealing_twice_changes_nothing(tenant, _audit_settings):
    seals = sealed_chain(tenant, 3)
    before = _audit_settings.read_text()
    again = audit.seal()
    assert (again.sealed, again.position, again.mac) == (0, 3, seals[-1].mac)
    assert _audit_settings.read_text() == before
    assert AuditSeal.objects.count() == 3


def test_the_chain_follows_insertion_order(tenant):
    seals = sealed_chain(tenant, 4)
    assert [s.position for s in seals] == [1, 2, 3, 4]
    assert [s.event.object_id for s in seals] == ["0", "1", "2", "3"]


def test_deleting_the_newest_events_fails_against_the_checkpoint(tenant, _audit_settings):
    sealed_chain(tenant, 5)
    tamper("DELETE FROM audit_auditseal WHERE position > %s", [3])
    tamper("DELETE FROM audit_auditevent WHERE object_id IN ('3', '4')", [])
    report = verify_chain()
    assert report.findings == [
        f"checkpoint of {_audit_settings.read_text().split('at=')[1].split()[0]} ({_audit_settings} line 1) "
        "records chain position 5 but the chain ends at 3: the newest sealed events were removed"
    ]
    with pytest.raises(CommandError, match="audit chain broken: 1 findings") as raised:
        verify_command()
    assert raised.value.returncode == 1


def test_a_checkpoint_kept_elsewhere_is_used(tenant, _audit_settings, tmp_path):
    sealed_chain(tenant, 2)
    kept = tmp_path / "kept.log"
    kept.write_text("Nov 25 host carehub[1]: " + _audit_settings.read_text())
    _audit_settings.unlink()  # the attacker removed the local file as well
    assert "no checkpoints in" in verify_chain().findings[0]
    out, _ = verify_command("--checkpoints", str(kept))
    assert "intact: 2 sealed events" in out


def test_a_changed_row_is_named(tenant):
    seals = sealed_chain(tenant)
    tamper("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s", ["forged", seals[2].event_id])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stderr=err)
    assert err.getvalue().splitlines() == [
        f"audit chain: event {seals[2].event_id} (chain position 3) does not match its seal: "
        "the event was changed, or it or its seal was forged"
    ]


def test_a_rewritten_event_with_recomputed_later_macs_without_the_key_is_caught(tenant):
    seals = sealed_chain(tenant)
    # Without the key the attacker can only compute MACs with some other key.
    guess = b"not-the-key" * 4
    prev = seals[1].mac
    tamper("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s", ["forged", seals[2].event_id])
    with scopes_disabled():
        for seal in seals[2:]:
            event = AuditEvent.objects.get(seq=seal.event_id)
            prev = seal_mac(guess, seal.position, prev, audit.sealed_fields(event))
            tamper("UPDATE audit_auditseal SET mac = %s WHERE position = %s", [prev, seal.position])
    report = verify_chain()
    assert report.findings[0].startswith(f"event {seals[2].event_id} (chain position 3) does not match its seal")
    # Every re-sealed link (none before the change), and the checkpoint at the head.
    assert [f.split(" does not match")[0] for f in report.findings[:3]] == [
        f"event {s.event_id} (chain position {s.position})" for s in seals[2:]]
    assert "does not match chain position 5: the chain was rewritten" in report.findings[3]


def test_a_deleted_row_in_the_middle_is_named(tenant):
    seals = sealed_chain(tenant)
    tamper("DELETE FROM audit_auditseal WHERE position = %s", [2])
    tamper("DELETE FROM audit_auditevent WHERE seq = %s", [seals[1].event_id])
    report = verify_chain()
    assert report.findings[0] == "chain positions 2 to 2 are missing: sealed events were removed"


def test_a_forged_sealed_event_is_caught(tenant):
    seals = sealed_chain(tenant, 3)
    now = db_time(timezone.now())
    tamper("INSERT INTO audit_auditevent (seq, occurred_at, actor_name, action, object_type, object_id, member_id,"
           " request_id, detail) VALUES (%s, %s, '', 'view', 'member', 'forged', '', '', '{}')",
           [seals[-1].event_id + 100, now])
    tamper("INSERT INTO audit_auditseal (position, event_id, mac, key_id, sealed_at, high_event_seq)"
           " VALUES (4, %s, %s, %s, %s, %s)",
           [seals[-1].event_id + 100, "ab" * 32, seals[-1].key_id, now, seals[-1].event_id + 100])
    report = verify_chain()
    assert report.findings == [
        f"event {seals[-1].event_id + 100} (chain position 4) does not match its seal: "
        "the event was changed, or it or its seal was forged"
    ]


def test_a_backdated_event_written_behind_the_application_is_reported(tenant):
    seals = sealed_chain(tenant, 2)
    tamper("INSERT INTO audit_auditevent (seq, occurred_at, actor_name, action, object_type, object_id, member_id,"
           " request_id, detail) VALUES (%s, %s, '', 'view', 'member', 'forged', '', '', '{}')",
           [seals[-1].event_id + 1, db_time(timezone.now() - timedelta(days=2))])
    report = verify_chain()
    assert len(report.findings) == 1
    assert report.findings[0].startswith(f"1 events older than 0:15:00 are not sealed (oldest: event {seals[-1].event_id + 1}")
    # Sealing it does not hide it: it is dated long before the events chained ahead of it.
    audit.seal()
    report = verify_chain()
    assert len(report.findings) == 1 and "written after the fact" in report.findings[0]


def test_old_unsealed_events_are_a_finding(tenant):
    seed_events(tenant, 2)
    assert verify_chain(max_unsealed_age=timedelta(minutes=15)).intact
    report = verify_chain(now=timezone.now() + timedelta(minutes=20))
    assert len(report.findings) == 1 and report.findings[0].startswith("2 events older than 0:15:00 are not sealed")
    audit.seal()
    assert verify_chain(now=timezone.now() + timedelta(minutes=20)).intact


def test_an_event_committed_long_after_its_turn_is_reported_and_sealed_by_a_full_run(tenant):
    seals = sealed_chain(tenant, 2)
    # The first seals were made two hours ago; a later run sealed one more event since.
    tamper("UPDATE audit_auditseal SET sealed_at = %s", [db_time(timezone.now() - timedelta(hours=2))])
    seed_events(tenant, 1)
    audit.seal()
    # An event with an early seq (its transaction was open all that time) commits now.
    tamper("INSERT INTO audit_auditevent (seq, occurred_at, actor_name, action, object_type, object_id, member_id,"
           " request_id, detail) VALUES (%s, %s, '', 'view', 'member', 'late', '', '', '{}')",
           [seals[0].event_id - 1, db_time(timezone.now())])
    assert audit.seal().sealed == 0  # the routine run starts above it
    later = timezone.now() + timedelta(minutes=20)
    assert verify_chain(now=later).findings[0].startswith("1 events older than 0:15:00 are not sealed")
    call_command("audit", "seal", "--full", stdout=io.StringIO())
    assert verify_chain(now=later).intact
    assert AuditSeal.objects.get(position=4).event_id == seals[0].event_id - 1


def test_a_seal_made_with_another_key_is_reported_until_that_key_is_configured(tenant, settings):
    settings.AUDIT_KEY = "the-previous-audit-key-0123456789abcdef"
    sealed_chain(tenant, 2)
    settings.AUDIT_KEY = "the-current-audit-key-0123456789abcdefgh"
    findings = verify_chain().findings
    assert len(findings) == 1 and "which is not configured: set CAREHUB_AUDIT_OLD_KEYS" in findings[0]
    settings.AUDIT_OLD_KEYS = ["the-previous-audit-key-0123456789abcdef"]
    seed_events(tenant, 1)
    audit.seal()
    assert verify_chain().intact
    assert AuditSeal.objects.get(position=3).key_id == key_id(b"the-current-audit-key-0123456789abcdefgh")


def test_a_damaged_checkpoint_file_is_exit_2_naming_the_line(tenant, tmp_path):
    bad = tmp_path / "cp.log"
    bad.write_text("hello\ncarehub-audit-checkpoint position=x\n")
    with pytest.raises(CommandError, match=f"{bad} line 2: not a valid checkpoint") as raised:
        verify_command("--checkpoints", str(bad))
    assert raised.value.returncode == 2


def test_a_missing_checkpoint_file_given_on_the_command_line_is_exit_2(tmp_path):
    with pytest.raises(CommandError, match="nope.log: no such checkpoint file") as raised:
        verify_command("--checkpoints", str(tmp_path / "nope.log"))
    assert raised.value.returncode == 2


def test_an_unwritable_checkpoint_file_fails_the_seal_but_prints_the_line(tenant, settings, tmp_path):
    (tmp_path / "a-file").write_text("")
    settings.AUDIT_CHECKPOINTS = tmp_path / "a-file" / "checkpoints.log"
    seed_events(tenant, 2)
    out = io.StringIO()
    with pytest.raises(CommandError, match="checkpoint not written to .*a-file/checkpoints.log") as raised:
        call_command("audit", "seal", stdout=out)
    assert raised.value.returncode == 1
    assert out.getvalue().startswith("carehub-audit-checkpoint position=2 mac=")
    assert AuditSeal.objects.count() == 2


def test_the_demo_seed_verifies_once_sealed(db):
    from carehub.demo import seed as demo

    demo.seed(members=20, log=lambda s: None)
    result = audit.seal()
    assert result.sealed > 0
    assert verify_chain().intact


@pytest.mark.postgres
def test_postgres_refuses_updates_and_deletes_of_audit_rows(tenant):
    sealed_chain(tenant, 1)
    for sql in ("UPDATE audit_auditevent SET object_id = 'x'", "DELETE FROM audit_auditevent",
                "UPDATE audit_auditseal SET mac = 'x'", "DELETE FROM audit_auditseal"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)


def test_auditor_page_filters_and_shows_only_own_organisation(tenant, other_tenant, login_as):
    seed_events(tenant, 3)
    audit.record("view", actor=other_tenant.users["auditor"], organisation=other_tenant.hub,
                 object_type="member", object_id="x")
    audit.record("export", actor=tenant.users["hub_admin"], organisation=tenant.hub,
                 object_type="member_list", object_id="*")
    client = login_as(tenant.users["auditor"])
    page = client.get(reverse("audit:list"))
    assert page.status_code == 200
    shown = [e.object_type for e in page.context["page"]]
    assert shown == ["member_list"]  # the hub's event only; the plan's and other hub's are not shown
    filtered = client.get(reverse("audit:list"), {"action": "view"})
    assert list(filtered.context["page"]) == []


def test_audit_page_is_for_auditors_and_hub_admins(tenant, login_as):
    assert login_as(tenant.users["cbo_worker"]).get(reverse("audit:list")).status_code == 404
    assert login_as(tenant.users["payer_manager"]).get(reverse("audit:list")).status_code == 404


@pytest.mark.postgres
def test_requests_cannot_empty_the_audit_table_or_touch_seals(tenant):
    from carehub.tenancy.rls import tenant_connection

    sealed_chain(tenant, 1)
    with tenant_connection(tenant.hub.pk):
        for sql in ("TRUNCATE audit_auditevent CASCADE", "SELECT * FROM audit_auditseal",
                    "INSERT INTO audit_auditseal (position, event_id, mac, key_id, sealed_at, high_event_seq)"
                    " VALUES (9, 1, 'x', 'x', now(), 1)"):
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql)


def _in_thread(target):
    """Run `target` on its own thread, hence its own database connection."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported to the test below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_with_an_event_does_not_block_other_appends():
    appended, release = threading.Event(), threading.Event()
    timings: list[float] = []

    def long_request() -> None:
        with transaction.atomic():
            audit.record("view", object_type="member", object_id="slow")
            appended.set()
            assert release.wait(20)

    def other_request() -> None:
        assert appended.wait(20)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait on a lock fails instead of hanging
        started = time.monotonic()
        with transaction.atomic():
            audit.record("view", object_type="member", object_id="fast")
        timings.append(time.monotonic() - started)
        # The sealer does not wait for the open transaction either; it seals what is committed.
        assert audit.seal().sealed == 1

    slow, slow_failures = _in_thread(long_request)
    fast, fast_failures = _in_thread(other_request)
    fast.join(30)
    still_open = slow.is_alive()
    release.set()
    slow.join(30)
    assert not fast_failures and not slow_failures, fast_failures + slow_failures
    assert still_open and timings and timings[0] < 2
    # Committed later, the slow request's event is sealed by the next run.
    assert audit.seal().sealed == 1
    with scopes_disabled():
        assert [s.event.object_id for s in AuditSeal.objects.select_related("event")] == ["fast", "slow"]
    assert verify_chain().intact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_seal_each_event_once():
    for i in range(300):
        audit.record("view", object_type="member", object_id=str(i))
    workers = [_in_thread(audit.seal) for _ in range(3)]
    for thread, failures in workers:
        thread.join(60)
        assert not failures, failures
    assert AuditSeal.objects.count() == 300
    assert verify_chain().intact

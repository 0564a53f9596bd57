"""Every source tells the right people and nobody else; preferences are followed; e-mail
carries a count and a link, never a member's details; the same thing twice adds to a
count; periodic checks tell once per threshold however often they run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts import notices as contract_notices
from carehub.contracts.models import Contract, StaffCredential
from carehub.jobs.models import JobStatus
from carehub.jobs.services import run_inline
from carehub.members.imports import parse_ranked_list
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.notifications import services as notifications
from carehub.notifications.kinds import Channel, Kind
from carehub.notifications.models import Notification, NotificationPreference
from carehub.referrals import notices, services
from carehub.referrals.models import Referral
from carehub.tenancy.access import Acting
from tests.integration.conftest import Tenant, acting_as, make_user
from tests.integration.jobs.sample_tasks import count_body, count_task
from tests.integration.referrals.conftest import contract_with_terms, directory_service

pytestmark = pytest.mark.django_db


def told(user, kind: str | None = None) -> list[Notification]:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        rows = Notification.objects.filter(recipient=user).order_by("pk")
        return list(rows.filter(kind=kind) if kind else rows)


def nobody_else(*tenants: Tenant, but: set[int]) -> None:
    """No user of `tenants` outside `but` has been told anything."""
    for t in tenants:
        for role, user in t.users.items():
            if user.pk not in but:
                assert told(user) == [], f"{role} {user} was told {told(user)}"


def with_mail(t: Tenant) -> None:
    with scopes_disabled():
        for user in t.users.values():
            user.email = f"{user.username.lower()}@example.org"
            user.save(update_fields=["email"])


@pytest.fixture
def world(tenant, other_tenant):  # type: ignore[no-untyped-def]
    """Both tenants with a contract in effect and a directory entry for their CBO."""
    for t in (tenant, other_tenant):
        contract_with_terms(t, f"{t.hub.name.split()[0].upper()}-MEALS")
        directory_service(t.cbo)
        with_mail(t)
    return tenant, other_tenant


def refer_one(t: Tenant, member: Member | None = None, assignee: str | None = None) -> Referral:
    code = f"{t.hub.name.split()[0].upper()}-MEALS"
    with scopes_disabled():
        return services.create_referral(
            member=member or t.member, organisation=t.cbo, hub=t.hub, service_code="HDM",
            contract_code=code, acting=acting_as(t.users["hub_coordinator"], t.hub),
            assignee=t.users[assignee] if assignee else None)


def bronx(t: Tenant, member_id: str = "B-1") -> Member:
    with scopes_disabled():
        member = Member.objects.create(
            plan=t.payer, member_id=member_id, first_name="Bea", last_name="Bronxwood",
            birth_date="1948-03-02", sex="F", product="medicare_advantage",
            county="Bronx, NY", zip="10451")
        EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
        MemberAccess.objects.create(member=member, organisation=t.payer, reason="plan")
        MemberAccess.objects.create(member=member, organisation=t.hub, reason="program")
    return member


# --- referrals ------------------------------------------------------------------------

def test_a_referral_placed_with_a_cbo_tells_its_supervisors_and_its_assignee(world):
    tenant, other = world
    referral = refer_one(tenant, assignee="cbo_worker")
    supervisor, worker = tenant.users["cbo_supervisor"], tenant.users["cbo_worker"]
    [placed] = told(supervisor)
    assert (placed.kind, placed.heading, placed.link, placed.organisation) == (
        Kind.FOR_MY_ORGANISATION, "1 new referral for Alpha Pantry", "/referrals/team/",
        tenant.cbo)
    [mine] = told(worker)
    assert (mine.kind, mine.heading, mine.link) == (
        Kind.ASSIGNED_TO_ME, "1 referral assigned to you", f"/referrals/{referral.pk}/")
    nobody_else(tenant, other, but={supervisor.pk, worker.pk})


def test_routing_tells_the_cbo_or_else_the_hubs_coordinators(world):
    tenant, other = world
    coordinator, supervisor = tenant.users["hub_coordinator"], tenant.users["cbo_supervisor"]
    admin = acting_as(tenant.users["hub_admin"], tenant.hub)
    with scopes_disabled():
        contract = Contract.objects.get(code="ALPHA-MEALS")
        placed = services.place_referral(member=tenant.member, hub=tenant.hub,
                                         contract=contract, service_code="HDM", acting=admin)
        held = services.place_referral(member=bronx(tenant), hub=tenant.hub, contract=contract,
                                       service_code="HDM", acting=admin)
    assert not placed.needs_routing and held.needs_routing
    assert [n.heading for n in told(supervisor)] == ["1 new referral for Alpha Pantry"]
    [queue] = told(coordinator)
    assert (queue.heading, queue.link) == ("1 referral needs routing",
                                           "/referrals/hub/needs-routing/")
    nobody_else(tenant, other, but={supervisor.pk, coordinator.pk})
    # The coordinator hands it to the CBO: its supervisors hear of one more (same notice).
    with scopes_disabled():
        referral = Referral.objects.get(pk=held.referral.pk)
        services.route_from_queue(referral, referral.version, tenant.cbo, reason="Covers it",
                                  acting=acting_as(coordinator, tenant.hub))
    [merged] = told(supervisor)
    assert (merged.count, merged.heading) == (2, "2 new referrals for Alpha Pantry")


def test_a_plans_referral_through_the_hub_tells_its_coordinators_too(world):
    tenant, other = world
    with scopes_disabled():
        contract = Contract.objects.get(code="ALPHA-MEALS")
        services.place_referral(member=tenant.member, hub=tenant.hub, contract=contract,
                                service_code="HDM",
                                acting=acting_as(tenant.users["payer_manager"], tenant.payer))
    supervisor, coordinator = tenant.users["cbo_supervisor"], tenant.users["hub_coordinator"]
    assert [n.heading for n in told(supervisor)] == ["1 new referral for Alpha Pantry"]
    assert [(n.heading, n.link) for n in told(coordinator)] == [
        ("1 referral from Alpha Plan in Alpha Hub's network", "/referrals/hub/")]
    nobody_else(tenant, other, but={supervisor.pk, coordinator.pk})


def test_a_ranked_list_gives_one_notice_per_organisation_with_its_count(world):
    tenant, other = world
    with scopes_disabled():
        for member_id in ("R1", "R2"):
            member = Member.objects.create(plan=tenant.payer, member_id=member_id,
                                           first_name="Rae", last_name=f"Ranked{member_id}",
                                           birth_date=date(1950, 1, 1), sex="F",
                                           product="medicare_advantage", county="Erie, NY")
            EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
            MemberAccess.objects.create(member=member, organisation=tenant.payer, reason="plan")
    bronx(tenant, "R3")
    rows = parse_ranked_list("r.csv", [{"member_id": m, "rank": str(i), "selected": "true"}
                                       for i, m in enumerate(("R1", "R2", "R3"), 1)])
    plan = acting_as(tenant.users["payer_manager"], tenant.payer)
    with scopes_disabled():
        ranked, _ = services.save_ranked_list(tenant.payer, rows, name="June",
                                              contract_code="ALPHA-MEALS", service_code="HDM",
                                              hub=tenant.hub, acting=plan)
        result = services.assign_ranked_list(ranked, [tenant.cbo], acting=plan)
    assert result.created == 3
    supervisor, coordinator = tenant.users["cbo_supervisor"], tenant.users["hub_coordinator"]
    assert [(n.count, n.heading) for n in told(supervisor)] == [
        (2, "2 new referrals for Alpha Pantry")]
    assert [(n.count, n.heading) for n in told(coordinator)] == [
        (1, "1 referral needs routing"),
        (3, "3 referrals from Alpha Plan in Alpha Hub's network")]
    nobody_else(tenant, other, but={supervisor.pk, coordinator.pk})


def test_assigning_several_to_a_worker_is_one_notice_with_the_count(world):
    tenant, other = world
    with scopes_disabled():
        second = make_user("Alpha-worker2", tenant.cbo, "cbo_worker")
    refs = [refer_one(tenant), refer_one(tenant, bronx(tenant))]
    with scopes_disabled():
        services.assign_workers([(r, r.version) for r in refs], second,
                                acting=acting_as(tenant.users["cbo_supervisor"], tenant.cbo))
    [notice] = told(second)
    assert (notice.kind, notice.count, notice.heading, notice.link) == (
        Kind.ASSIGNED_TO_ME, 2, "2 referrals assigned to you", "/referrals/")
    assert told(tenant.users["cbo_worker"]) == []


# --- escalations ----------------------------------------------------------------------

def test_an_escalation_tells_level_one_when_raised_and_the_next_level_when_it_moves_up(
        world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    tenant, other = world
    referral = refer_one(tenant)
    supervisor, coordinator = tenant.users["cbo_supervisor"], tenant.users["hub_coordinator"]
    Notification.objects.all().delete()
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        services.raise_escalation(referral, barrier="transportation",
                                  description="No ride for Ada to the pantry",
                                  acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
                                  now=timezone.now() - timedelta(hours=30))
    [raised] = told(supervisor)
    assert (raised.kind, raised.heading, raised.link) == (
        Kind.ESCALATION, "1 escalation now waits for the CBO supervisor",
        "/referrals/escalations/")
    assert [m.to for m in mail.outbox] == [["alpha-super@example.org"]]
    nobody_else(tenant, other, but={supervisor.pk})
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        run = services.move_up_overdue(acting=Acting.system())
    assert run.mails == 1
    [moved] = told(coordinator)
    assert moved.heading == "1 escalation now waits for the hub coordinator"
    assert "moved up to the hub coordinator of Alpha Hub" in moved.text
    nobody_else(tenant, other, but={supervisor.pk, coordinator.pk})


# --- overdue, renewals, credentials: once per threshold --------------------------------

def test_overdue_work_is_told_once_a_day_to_supervisors_and_coordinators(world):
    tenant, other = world
    refs = [refer_one(tenant), refer_one(tenant, bronx(tenant))]
    refer_one(other)  # not overdue
    Notification.objects.all().delete()
    with scopes_disabled():
        Referral.objects.filter(pk__in=[r.pk for r in refs]).update(
            due_at=timezone.now() - timedelta(hours=2))
    assert notices.notify_overdue() == 2
    assert notices.notify_overdue() == 0  # the same day: nobody twice
    supervisor, coordinator = tenant.users["cbo_supervisor"], tenant.users["hub_coordinator"]
    assert [(n.kind, n.heading) for n in told(supervisor)] == [
        (Kind.OVERDUE, "2 overdue referrals at Alpha Pantry")]
    assert [n.heading for n in told(coordinator)] == [
        "2 overdue referrals in Alpha Hub's network"]
    nobody_else(tenant, other, but={supervisor.pk, coordinator.pk})
    # The next day is another notice.
    notices.notify_overdue(now=timezone.now() + timedelta(days=1))
    assert len(told(supervisor)) == 2 and len(told(coordinator)) == 2


def test_a_renewal_is_told_once_at_each_threshold(world):
    tenant, other = world
    today = date(2026, 3, 1)
    with scopes_disabled():
        Contract.objects.filter(code="ALPHA-MEALS").update(ends=today + timedelta(days=75))
        Contract.objects.filter(code="OMEGA-MEALS").update(ends=today + timedelta(days=200))
    assert contract_notices.notify_renewals(today) == 2  # the plan's and the hub's people
    assert contract_notices.notify_renewals(today) == 0
    assert contract_notices.notify_renewals(today + timedelta(days=1)) == 0  # still 90
    manager, admin = tenant.users["payer_manager"], tenant.users["hub_admin"]
    assert [n.heading for n in told(manager)] == ["Contract ALPHA-MEALS ends in 75 days"]
    assert [n.link for n in told(admin)] == ["/contracts/ALPHA-MEALS/"]
    nobody_else(tenant, other, but={manager.pk, admin.pk})
    assert contract_notices.notify_renewals(today + timedelta(days=20)) == 2  # 55 days: 60
    assert contract_notices.notify_renewals(today + timedelta(days=50)) == 2  # 25 days: 30
    assert contract_notices.notify_renewals(today + timedelta(days=51)) == 0
    assert [n.heading for n in told(manager)][-1] == "Contract ALPHA-MEALS ends in 25 days"
    assert len(told(manager)) == 3


def test_an_expiring_credential_is_told_once_to_its_organisations_supervisors(world):
    tenant, other = world
    today = date(2026, 3, 1)
    with scopes_disabled():
        for t, days in ((tenant, 20), (tenant, 29), (tenant, 200), (other, 90)):
            StaffCredential.objects.create(organisation=t.cbo, staff=t.users["cbo_worker"],
                                           kind="training", name="CHW certificate",
                                           expires=today + timedelta(days=days))
    assert contract_notices.notify_credentials(today) == 1
    assert contract_notices.notify_credentials(today) == 0
    supervisor = tenant.users["cbo_supervisor"]
    assert [(n.kind, n.heading, n.link) for n in told(supervisor)] == [
        (Kind.CREDENTIAL, "2 staff credentials at Alpha Pantry expire within 30 days",
         "/contracts/credentials/")]
    nobody_else(tenant, other, but={supervisor.pk})


# --- jobs -------------------------------------------------------------------------------

def test_a_finished_or_failed_job_tells_the_person_who_started_it(world):
    tenant, other = world
    analyst = tenant.users["payer_analyst"]
    acting = acting_as(analyst, tenant.payer)
    done = run_inline(count_body, count_task, kind="test.count", title="Count to 3",
                      acting=acting, params={"n": 3}, show_progress=False)
    failed = run_inline(count_body, count_task, kind="test.count", title="Count to -1",
                        acting=acting, params={"n": -1}, show_progress=False)
    assert (done.status, failed.status) == (JobStatus.SUCCEEDED, JobStatus.FAILED)
    assert [(n.kind, n.heading, n.link) for n in told(analyst)] == [
        (Kind.JOB_FINISHED, "Count to 3: finished", f"/jobs/{done.pk}/"),
        (Kind.JOB_FAILED, "Count to -1: failed", f"/jobs/{failed.pk}/")]
    nobody_else(tenant, other, but={analyst.pk})


# --- preferences, merging, digest, mail content ---------------------------------------

def say(users, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("title", "{count} thing{s} for you")
    kwargs.setdefault("link", "/referrals/")
    return notifications.notify(Kind.FOR_MY_ORGANISATION, users=users,
                                acting=Acting.system(), **kwargs)


def test_each_channel_is_honoured(world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    tenant, _ = world
    people = {channel: tenant.users[role] for channel, role in (
        (Channel.IN_APP, "cbo_worker"), (Channel.EMAIL, "cbo_supervisor"),
        (Channel.DIGEST, "hub_coordinator"), (Channel.OFF, "hub_admin"))}
    for channel, user in people.items():
        NotificationPreference.objects.create(user=user, kind=Kind.FOR_MY_ORGANISATION,
                                              channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        result = say(list(people.values()))
    assert (result.rows, result.mails) == (3, 1)
    assert [m.to for m in mail.outbox] == [["alpha-super@example.org"]]
    assert len(told(people[Channel.IN_APP])) == 1 and told(people[Channel.OFF]) == []
    [waiting] = told(people[Channel.DIGEST])
    assert waiting.digest_state == "pending" and waiting.emailed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_digests() == 1
        assert notifications.send_digests() == 0  # sent once
    digest = mail.outbox[-1]
    assert digest.to == ["alpha-coord@example.org"]
    assert "Referrals for my organisation: 1" in digest.body
    assert "http://127.0.0.1:8000/referrals/" in digest.body
    assert told(people[Channel.DIGEST])[0].digest_state == "sent"


def test_the_same_thing_again_adds_to_the_count_and_mails_once(
        world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    tenant, _ = world
    supervisor = tenant.users["cbo_supervisor"]
    with django_capture_on_commit_callbacks(execute=True):
        say([supervisor])
        say([supervisor], count=2)
        say([supervisor], link="/referrals/team/")  # another link: another notice
    assert [(n.count, n.heading) for n in told(supervisor)] == [
        (3, "3 things for you"), (1, "1 thing for you")]
    assert len(mail.outbox) == 2
    # Once read, or past the window, the next one is new.
    first = told(supervisor)[0]
    notifications.mark_read(first, acting=acting_as(supervisor))
    say([supervisor])
    old = told(supervisor)[1]
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - notifications.MERGE_WINDOW - timedelta(minutes=1))
    say([supervisor], link="/referrals/team/")
    assert [n.count for n in told(supervisor)] == [3, 1, 1, 1]


def test_no_member_detail_reaches_any_mail(world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Every source, everyone on e-mail or digest: no member's name, id or birth date in
    any subject or body."""
    tenant, other = world
    for t in (tenant, other):
        for user in t.users.values():
            for kind in Kind:
                NotificationPreference.objects.update_or_create(
                    user=user, kind=kind, defaults={"channel": Channel.EMAIL})
        NotificationPreference.objects.filter(user=t.users["hub_admin"]).update(
            channel=Channel.DIGEST)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer_one(tenant, assignee="cbo_worker")
        with scopes_disabled():
            contract = Contract.objects.get(code="ALPHA-MEALS")
            services.place_referral(member=bronx(tenant), hub=tenant.hub, contract=contract,
                                    service_code="HDM",
                                    acting=acting_as(tenant.users["hub_admin"], tenant.hub))
            services.raise_escalation(referral, barrier="transportation",
                                      description=f"{tenant.member.first_name} has no ride",
                                      acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
                                      now=timezone.now() - timedelta(days=3))
            services.move_up_overdue(acting=Acting.system())
            Referral.objects.update(due_at=timezone.now() - timedelta(hours=1))
            Contract.objects.filter(pk=contract.pk).update(ends=today + timedelta(days=10))
            StaffCredential.objects.create(organisation=tenant.cbo,
                                           staff=tenant.users["cbo_worker"], kind="licence",
                                           name="CHW", expires=today + timedelta(days=3))
        notices.notify_overdue()
        contract_notices.notify_renewals()
        contract_notices.notify_credentials()
        notifications.send_digests()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {Kind.ASSIGNED_TO_ME, Kind.FOR_MY_ORGANISATION, Kind.ESCALATION, Kind.OVERDUE,
            Kind.RENEWAL, Kind.CREDENTIAL} <= kinds
    assert len(mail.outbox) >= 8
    with scopes_disabled():
        members = list(Member.objects.all())
    private = {v for m in members for v in (m.first_name, m.last_name, m.member_id,
                                            m.birth_date.isoformat() if hasattr(m.birth_date, "isoformat")
                                            else str(m.birth_date))}
    for message in mail.outbox:
        text = message.subject + "\n" + message.body
        for value in private:
            assert value not in text, f"{value!r} in mail to {message.to}: {text}"
        assert "http://127.0.0.1:8000/" in text


def test_a_failing_notice_does_not_undo_the_work(world, monkeypatch):
    tenant, _ = world

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        from django.db import DatabaseError

        raise DatabaseError("notifications table unavailable")

    monkeypatch.setattr(notifications, "_write", broken)
    referral = refer_one(tenant, assignee="cbo_worker")
    with scopes_disabled():
        assert Referral.objects.filter(pk=referral.pk).exists()
    assert Notification.objects.count() == 0


def test_the_periodic_checks_run_as_scheduled_jobs_and_tell_once(
        world, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """The worker's way: each check is a site-wide job (run here in this process)."""
    from carehub.contracts.tasks import (
        credentials_body,
        notify_credentials_task,
        notify_renewals_task,
        renewals_body,
    )
    from carehub.notifications.tasks import digest_body, send_digests_task
    from carehub.referrals.tasks import notify_overdue_task, overdue_body

    tenant, _ = world
    refer_one(tenant)
    today = timezone.localdate()
    with scopes_disabled():
        Referral.objects.update(due_at=timezone.now() - timedelta(hours=1))
        Contract.objects.filter(code="ALPHA-MEALS").update(ends=today + timedelta(days=40))
        StaffCredential.objects.create(organisation=tenant.cbo, staff=tenant.users["cbo_worker"],
                                       kind="licence", name="CHW", expires=today)
    NotificationPreference.objects.create(user=tenant.users["cbo_supervisor"],
                                          kind=Kind.OVERDUE, channel=Channel.DIGEST)
    checks = [(overdue_body, notify_overdue_task), (renewals_body, notify_renewals_task),
              (credentials_body, notify_credentials_task), (digest_body, send_digests_task)]
    results = []
    for _ in range(2):
        for body, task in checks:
            with django_capture_on_commit_callbacks(execute=True):
                job = run_inline(body, task, kind=f"periodic.{body.__name__}", title="check",
                                 acting=Acting.system(), show_progress=False)
            assert job.status == JobStatus.SUCCEEDED, job.message
            results.append(next(iter(job.result.values())))
    assert results == [2, 2, 1, 1, 0, 0, 0, 0]
    [digest] = [m for m in mail.outbox if "digest" in m.subject]
    assert digest.to == ["alpha-super@example.org"]
    assert "Overdue work in my team: 1" in digest.body


def test_the_command_runs_the_checks_and_says_what_they_told(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    tenant, _ = world
    refer_one(tenant)
    with scopes_disabled():
        Referral.objects.update(due_at=timezone.now() - timedelta(hours=1))

    def run(*names: str) -> str:
        out = StringIO()
        call_command("notify_due", *names, stdout=out)
        return out.getvalue()

    assert run() == ("overdue: 2 overdue-work notices\nrenewals: 0 renewal notices\n"
                     "credentials: 0 credential notices\ndigest: 0 digest e-mails\n")
    assert run("overdue") == "overdue: 0 overdue-work notices\n"
    with pytest.raises(CommandError, match="unknown check pigeons"):
        run("pigeons")


def test_a_mail_server_that_is_down_is_logged_and_the_work_stands(
        world, settings, caplog, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "tests.integration.notifications.refusing_mail.Backend"
    tenant, _ = world
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer_one(tenant, assignee="cbo_worker")
    with scopes_disabled():
        assert Referral.objects.filter(pk=referral.pk).exists()
    assert len(told(tenant.users["cbo_worker"])) == 1  # the bell still has it
    assert "notification e-mails not sent" in caplog.text

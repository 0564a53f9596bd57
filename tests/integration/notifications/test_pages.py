"""The bell, the list, marking read and the preferences page: each person's own only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.notifications import services
from carehub.notifications.kinds import Channel, Kind
from carehub.notifications.models import Notification, NotificationPreference
from carehub.tenancy.access import Acting
from carehub.tenancy.rls import tenant_connection

pytestmark = pytest.mark.django_db


def tell(user, title: str = "{count} new referral{s} for Alpha Pantry", *, count: int = 1,  # type: ignore[no-untyped-def]
         link: str = "/referrals/team/") -> Notification:
    services.notify(Kind.FOR_MY_ORGANISATION, users=[user], title=title, link=link,
                    count=count, acting=Acting.system())
    return Notification.objects.filter(recipient=user).order_by("-pk").first()


def test_the_bell_shows_the_unread_count_on_every_page(tenant, login_as):
    supervisor = tenant.users["cbo_supervisor"]
    client = login_as(supervisor)
    assert 'aria-label="Notifications, none unread"' in client.get("/").content.decode()
    tell(supervisor, count=3)
    tell(supervisor, link="/referrals/")
    for url in ("/", reverse("referrals:supervisor"), reverse("notifications:settings")):
        page = client.get(url).content.decode()
        assert 'aria-label="Notifications, 2 unread"' in page, url


def test_the_bell_polls_its_own_count_so_an_open_page_stays_current(tenant, login_as):
    supervisor = tenant.users["cbo_supervisor"]
    client = login_as(supervisor)
    page = client.get("/").content.decode()
    assert f'hx-get="{reverse("notifications:bell")}" hx-trigger="every 60s"' in page
    tell(supervisor, count=2)
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert bell.startswith('<a href="/notifications/" id="bell"')
    assert 'aria-label="Notifications, 1 unread"' in bell and "hx-swap-oob" not in bell


def test_the_list_shows_unread_first_and_marks_read(tenant, login_as):
    supervisor = tenant.users["cbo_supervisor"]
    old = tell(supervisor, "Older one", link="/referrals/")
    new = tell(supervisor, "Newer one", link="/referrals/team/")
    client = login_as(supervisor)
    services.mark_read(new, acting=Acting.system())
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.index("Older one") < page.index("Newer one")  # unread first
    # htmx: the item comes back read, and the bell with it.
    answer = client.post(reverse("notifications:read", args=[old.pk]), HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and "Older one" in html and "Mark read" not in html
    assert 'hx-swap-oob="true"' in html and "none unread" in html
    old.refresh_from_db()
    assert old.read_at is not None
    # Open: marked read, then to its page.
    third = tell(supervisor, "Third", link="/referrals/escalations/")
    answer = client.post(reverse("notifications:read", args=[third.pk]), {"open": "1"})
    assert answer.status_code == 302 and answer["Location"] == "/referrals/escalations/"
    # Following the link with htmx: marked read, and the browser is sent on.
    fourth = tell(supervisor, "Fourth", link="/referrals/")
    answer = client.post(reverse("notifications:read", args=[fourth.pk]), {"open": "1"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 204 and answer["HX-Redirect"] == "/referrals/"
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="notification",
                                         action="update").count() == 4


def test_mark_all_read(tenant, login_as):
    supervisor, worker = tenant.users["cbo_supervisor"], tenant.users["cbo_worker"]
    for link in ("/a/", "/b/", "/c/"):
        tell(supervisor, link=link)
    theirs = tell(worker)
    client = login_as(supervisor)
    assert client.get(reverse("notifications:read_all")).status_code == 404  # POST only
    answer = client.post(reverse("notifications:read_all"), follow=True)
    assert "Marked 3 notifications read." in answer.content.decode()
    assert not Notification.objects.filter(recipient=supervisor, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None  # someone else's stays unread


def test_the_list_pages_fifty_at_a_time(tenant, login_as):
    supervisor = tenant.users["cbo_supervisor"]
    for i in range(51):
        tell(supervisor, f"Notice {i}", link=f"/n/{i}/")
    client = login_as(supervisor)
    first = client.get(reverse("notifications:list"))
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(reverse("notifications:list") + "?page=2").context["page"]) == 1


def test_another_persons_notification_is_404(tenant, other_tenant, login_as):
    mine = tell(tenant.users["cbo_supervisor"], "{count} private notice{s}")
    for user in (tenant.users["cbo_worker"], other_tenant.users["cbo_supervisor"]):
        client = login_as(user)
        for data in ({}, {"open": "1"}):
            assert client.post(reverse("notifications:read", args=[mine.pk]),
                               data).status_code == 404
        assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 404
        assert "private notice" not in client.get(
            reverse("notifications:list")).content.decode()
    mine.refresh_from_db()
    assert mine.read_at is None


def test_preferences_are_saved_per_kind_and_honoured(tenant, login_as):
    worker = tenant.users["cbo_worker"]
    client = login_as(worker)
    page = client.get(reverse("notifications:settings"))
    html = page.content.decode()
    assert page.status_code == 200 and "A referral assigned to me" in html
    assert html.count('type="radio"') == len(Kind) * len(Channel)
    choices = {k.value: page.context["rows"][i]["channel"] for i, k in enumerate(Kind)}
    choices[Kind.FOR_MY_ORGANISATION] = Channel.OFF
    choices[Kind.ASSIGNED_TO_ME] = Channel.DIGEST
    answer = client.post(reverse("notifications:settings"), choices, follow=True)
    assert "Saved: 2 choices changed." in answer.content.decode()
    assert dict(NotificationPreference.objects.filter(user=worker)
                .values_list("kind", "channel")) == {
        Kind.FOR_MY_ORGANISATION: Channel.OFF, Kind.ASSIGNED_TO_ME: Channel.DIGEST}
    tell(worker)
    assert not Notification.objects.filter(recipient=worker).exists()  # off
    # Back to the default: no row kept.
    choices[Kind.FOR_MY_ORGANISATION] = Channel.EMAIL
    client.post(reverse("notifications:settings"), choices)
    assert not NotificationPreference.objects.filter(
        user=worker, kind=Kind.FOR_MY_ORGANISATION).exists()
    bad = client.post(reverse("notifications:settings"), {**choices, "overdue": "carrier pigeon"})
    assert bad.status_code == 400 and "Choose one channel for every kind." in bad.content.decode()


@pytest.mark.postgres
def test_a_raw_query_as_the_tenant_role_reads_only_ones_own_notifications(tenant):
    supervisor, worker = tenant.users["cbo_supervisor"], tenant.users["cbo_worker"]
    tell(supervisor)
    tell(worker, link="/referrals/")
    services.set_preferences(worker, {Kind.OVERDUE: Channel.OFF}, acting=Acting.system())
    with tenant_connection(tenant.cbo.pk, role="cbo_worker", user_id=worker.pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT recipient_id FROM notifications_notification")
            assert cursor.fetchall() == [(worker.pk,)]
            cursor.execute("SELECT user_id FROM notifications_notificationpreference")
            assert cursor.fetchall() == [(worker.pk,)]
            # Nor can it change or make another's.
            cursor.execute("UPDATE notifications_notification SET read_at = now() "
                           "WHERE recipient_id = %s", [supervisor.pk])
            assert cursor.rowcount == 0
        # The service still tells others from inside a tenant (as the owner).
        tell(supervisor, link="/referrals/escalations/")
    with tenant_connection(tenant.cbo.pk, role="cbo_supervisor", user_id=supervisor.pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM notifications_notification")
            assert cursor.fetchall() == [(2,)]
    with tenant_connection(tenant.cbo.pk, role="cbo_worker", user_id=None):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM notifications_notification")
            assert cursor.fetchall() == [(0,)]

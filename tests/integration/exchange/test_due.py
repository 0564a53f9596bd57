"""Late and missing files: the daily check counts each data set's periods on the
scorecard and tells the hub and the counterparty once of a file that has not come."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.exchange.models import Delivery
from carehub.exchange.services import check_due
from carehub.notifications.models import Notification
from carehub.reporting.models import DeliveryFact
from tests.integration.conftest import signed_in
from tests.integration.exchange.conftest import ExchangeWorld, inbox, roster_rows, run, write_csv

pytestmark = pytest.mark.django_db


def _arrived(delivery: Delivery, when: datetime, period: tuple[date, date]) -> None:
    with scopes_disabled():
        Delivery.objects.filter(pk=delivery.pk).update(
            received_at=timezone.make_aware(when), period_start=period[0], period_end=period[1])


def test_a_missing_file_is_told_once_and_counted(world: ExchangeWorld) -> None:
    data_set = world.data_set()
    write_csv(inbox(data_set) / "january.csv", roster_rows(3))
    run()
    with scopes_disabled():
        january = Delivery.objects.get()
    _arrived(january, datetime(2026, 2, 3, 10), (date(2026, 1, 1), date(2026, 1, 31)))
    done = check_due(today=date(2026, 3, 10))
    assert (done.periods, done.late) == (2, 1)
    with scopes_disabled():
        facts = {f.period_start: f for f in DeliveryFact.objects.filter(data_set=data_set.pk)}
        late = Notification.objects.filter(kind="exchange_delivery_late")
        told = sorted(late.values_list("recipient__username", flat=True))
    assert facts[date(2026, 1, 1)].on_time is True
    assert facts[date(2026, 2, 1)].delivered_at is None
    assert facts[date(2026, 2, 1)].on_time is False
    assert facts[date(2026, 2, 1)].due_on == date(2026, 3, 5)
    assert told == ["Alpha-hubadmin", "Alpha-manager"]
    assert late.first().title == "T-FILES: the Monthly roster file is late"
    assert check_due(today=date(2026, 3, 11)).told == 0  # told once
    # February's file comes late: counted as delivered, not on time.
    write_csv(inbox(data_set) / "february.csv", roster_rows(4))
    run()
    with scopes_disabled():
        february = Delivery.objects.exclude(pk=january.pk).get()
    _arrived(february, datetime(2026, 3, 20, 9), (date(2026, 2, 1), date(2026, 2, 28)))
    check_due(today=date(2026, 3, 25))
    with scopes_disabled():
        fact = DeliveryFact.objects.get(data_set=data_set.pk, period_start=date(2026, 2, 1))
    assert fact.delivered_at is not None and fact.on_time is False


def test_file_deliveries_on_time_show_on_the_scorecard(world: ExchangeWorld) -> None:
    data_set = world.data_set()
    write_csv(inbox(data_set) / "january.csv", roster_rows(3))
    run()
    with scopes_disabled():
        january = Delivery.objects.get()
    _arrived(january, datetime(2026, 2, 3, 10), (date(2026, 1, 1), date(2026, 1, 31)))
    check_due(today=date(2026, 3, 10))
    client = signed_in(world.tenant.users["hub_admin"])
    url = reverse("reporting:scorecard", args=[world.contract.code])
    page = client.get(url + "?period=2026-01").content.decode()
    assert "File deliveries on time" in page
    assert "1 of 1" in page and "100%" in page
    page = client.get(url + "?period=2026-02").content.decode()
    assert "0 of 1" in page
    measures = client.get(reverse("reporting:measures")).content.decode()
    assert 'id="file_deliveries"' in measures

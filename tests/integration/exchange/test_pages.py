"""The data set and delivery pages: a hub administrator keeps a contract's data sets and
reads every delivery with its receipt; the plan too; a delivering CBO reads but neither
edits nor downloads the plan's files; another organisation gets 404 everywhere."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.exchange.models import DataSet, Delivery
from tests.integration.conftest import Tenant, signed_in
from tests.integration.exchange.conftest import ExchangeWorld, inbox, roster_rows, run, write_csv

pytestmark = pytest.mark.django_db


def _refused(world: ExchangeWorld) -> Delivery:
    data_set = world.data_set()
    rows = roster_rows(3)
    rows[1][4] = "X"
    write_csv(inbox(data_set) / "bad.csv", rows)
    run()
    with scopes_disabled():
        return Delivery.objects.get()


def test_hub_admin_adds_and_changes_a_data_set(world: ExchangeWorld) -> None:
    client = signed_in(world.tenant.users["hub_admin"])
    url = reverse("exchange:data_sets", args=[world.contract.code])
    page = client.get(url)
    assert page.status_code == 200 and "New data set" in page.content.decode()
    contract_page = client.get(reverse("contracts:detail", args=[world.contract.code]))
    assert url in contract_page.content.decode()
    answer = client.post(url, {"name": "Weekly roster", "kind": "member_list", "format": "csv",
                               "cadence": "weekly", "due_days": "2", "starts": "2026-01-05",
                               "transport": "folder", "counterparty": world.tenant.payer.pk,
                               "sftp_port": "22", "active": "on"})
    assert answer.status_code == 302
    with scopes_disabled():
        made = DataSet.objects.get(name="Weekly roster")
    assert made.direction == "in" and made.folder == f"{made.pk}-weekly-roster"
    detail = client.get(reverse("exchange:data_set", args=[made.pk])).content.decode()
    assert "Weekly (Monday to Sunday)" in detail and "exchange/alpha-plan/" in detail
    # SFTP without a pinned host key is refused, naming the field.
    edit = reverse("exchange:data_set_edit", args=[made.pk])
    answer = client.post(edit, {"name": "Weekly roster", "kind": "member_list",
                                "format": "csv", "cadence": "weekly", "due_days": "2",
                                "starts": "2026-01-05", "transport": "sftp",
                                "counterparty": world.tenant.payer.pk, "sftp_host": "sftp.plan",
                                "sftp_port": "22", "sftp_username": "hub",
                                "sftp_secret": "env:PLAN_SFTP", "active": "on"})
    assert answer.status_code == 400
    assert "SFTP host key fingerprint is required" in answer.content.decode()
    # A member list comes from the plan, not the CBO.
    answer = client.post(edit, {"name": "Weekly roster", "kind": "member_list",
                                "format": "csv", "cadence": "weekly", "due_days": "2",
                                "starts": "2026-01-05", "transport": "folder",
                                "counterparty": world.tenant.cbo.pk, "sftp_port": "22"})
    assert answer.status_code == 400 and "comes from the contract&#x27;s plan" in \
        answer.content.decode()
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="exchange_data_set").count() == 1


def test_receipt_pages_and_downloads(world: ExchangeWorld) -> None:
    delivery = _refused(world)
    client = signed_in(world.tenant.users["hub_admin"])
    listing = client.get(reverse("exchange:deliveries")).content.decode()
    assert "bad.csv" in listing and "Refused" in listing
    page = client.get(reverse("exchange:delivery", args=[delivery.pk])).content.decode()
    assert "sex" in page and "Refused whole" in page and delivery.sha256[:32] in page
    receipt = client.get(reverse("exchange:delivery_receipt", args=[delivery.pk]))
    rows = list(csv.reader(io.StringIO(receipt.content.decode())))
    assert ["#", "rows refused", "1"] in rows
    assert rows[rows.index(["row", "column", "message"]) + 1][:2] == ["3", "sex"]
    got = client.get(reverse("exchange:delivery_file", args=[delivery.pk]))
    assert got.status_code == 200
    assert b"".join(got.streaming_content).startswith(b"member_id,first_name")
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="exchange_file",
                                         object_id=str(delivery.pk)).exists()
    plan = signed_in(world.tenant.users["payer_manager"])
    assert plan.get(reverse("exchange:delivery_file", args=[delivery.pk])).status_code == 200
    assert "New data set" in plan.get(
        reverse("exchange:data_sets", args=[world.contract.code])).content.decode()


def test_a_delivering_cbo_reads_but_does_not_edit_or_download(world: ExchangeWorld) -> None:
    delivery = _refused(world)
    client = signed_in(world.tenant.users["cbo_supervisor"])
    page = client.get(reverse("exchange:data_sets", args=[world.contract.code]))
    assert page.status_code == 200 and "New data set" not in page.content.decode()
    assert client.get(reverse("exchange:delivery", args=[delivery.pk])).status_code == 200
    assert client.get(reverse("exchange:delivery_file", args=[delivery.pk])).status_code == 404
    assert client.get(reverse("exchange:data_set_edit",
                              args=[delivery.data_set_id])).status_code == 404
    assert client.post(reverse("exchange:data_sets", args=[world.contract.code]),
                       {"name": "x"}).status_code == 404
    worker = signed_in(world.tenant.users["cbo_worker"])
    assert worker.get(reverse("exchange:deliveries")).status_code == 404


def test_another_organisation_gets_404(world: ExchangeWorld, other_tenant: Tenant) -> None:
    delivery = _refused(world)
    for role in ("hub_admin", "payer_manager", "cbo_supervisor"):
        client = signed_in(other_tenant.users[role])
        for name, args in (("exchange:data_sets", [world.contract.code]),
                           ("exchange:data_set", [delivery.data_set_id]),
                           ("exchange:data_set_edit", [delivery.data_set_id]),
                           ("exchange:delivery", [delivery.pk]),
                           ("exchange:delivery_receipt", [delivery.pk]),
                           ("exchange:delivery_file", [delivery.pk])):
            assert client.get(reverse(name, args=args)).status_code == 404, (role, name)
        assert client.post(reverse("exchange:data_set_edit", args=[delivery.data_set_id]),
                           {"name": "taken"}).status_code == 404
        listing = client.get(reverse("exchange:deliveries"))
        assert listing.status_code == 200 and "bad.csv" not in listing.content.decode()
    with scopes_disabled():
        assert DataSet.objects.get().name == "Monthly roster"

"""SFTP against a real OpenSSH server on loopback: inbound files are pulled (and removed
from the server once stored), outbound files are put, and a server whose host key is not
the pinned one is refused before anything is sent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from carehub.exchange.models import Delivery
from carehub.members.models import Member
from tests.integration.exchange.conftest import (
    ExchangeWorld,
    Sshd,
    roster_rows,
    run,
    sftp_fields,
    write_csv,
)
from tests.integration.exchange.test_outbound import served

pytestmark = pytest.mark.django_db


def test_pull_an_inbound_member_list(world: ExchangeWorld, sshd: Sshd, var: Path) -> None:
    fields = sftp_fields(sshd, var, "pull-inbound")
    data_set = world.data_set(name="SFTP roster", **fields)
    remote = Path(fields["sftp_path"])
    write_csv(remote / "roster.csv", roster_rows(12, start=500))
    lines = run()
    assert len(lines) == 1 and lines[0].ok, [str(x) for x in lines]
    assert "accepted; 12 rows read, 12 accepted" in str(lines[0])
    assert list(remote.iterdir()) == []  # picked up
    with scopes_disabled():
        delivery = Delivery.objects.get()
        assert Member.objects.filter(member_id__startswith="X0005").count() == 12
    assert delivery.transport == "sftp"
    assert delivery.delivered_by == (f"SFTP sftp://{sshd.user}@127.0.0.1:{sshd.port}/"
                                     f"{fields['sftp_path'].lstrip('/')}")
    # The plan puts the same file again: a duplicate, nothing changes.
    write_csv(remote / "roster.csv", roster_rows(12, start=500))
    lines = run(data_set_id=data_set.pk)
    assert f"duplicate of {delivery.pk}" in str(lines[0])


def test_push_an_outbound_report(world: ExchangeWorld, sshd: Sshd, var: Path) -> None:
    from carehub.exchange.services import send
    from carehub.exchange.services.deliveries_periods import parse_period
    from carehub.tenancy.access import Acting

    served(world, date(2026, 2, 3))
    fields = sftp_fields(sshd, var, "push-outbound")
    data_set = world.data_set(name="Service report", kind="service_report", **fields)
    delivery = send(data_set, parse_period("monthly", "2026-02"),
                    acting=Acting.system(world.tenant.hub))
    assert delivery.status == "sent", delivery.message
    put = Path(fields["sftp_path"]) / "service-report_2026-02-01.csv"
    assert put.read_text().startswith("contract,referral_id,member_id")
    assert f"put on 127.0.0.1 as {put}" in delivery.message


def test_an_unknown_host_key_is_refused(world: ExchangeWorld, sshd: Sshd, var: Path) -> None:
    fields = sftp_fields(sshd, var, "wrong-key")
    fields["sftp_host_key"] = "SHA256:" + "A" * 43
    world.data_set(name="Pinned elsewhere", **fields)
    remote = Path(fields["sftp_path"])
    write_csv(remote / "roster.csv", roster_rows(2))
    lines = run()
    assert len(lines) == 1 and not lines[0].ok
    assert f"the server's host key {sshd.fingerprint} is not the pinned" in str(lines[0])
    assert (remote / "roster.csv").exists()  # nothing fetched
    with scopes_disabled():
        assert not Delivery.objects.exists()


def test_an_outbound_put_that_fails_is_tried_again(world: ExchangeWorld, sshd: Sshd,
                                                     var: Path) -> None:
    from carehub.exchange.services import send
    from carehub.exchange.services.deliveries_periods import parse_period
    from carehub.tenancy.access import Acting

    fields = sftp_fields(sshd, var, "retry")
    good_key = fields["sftp_host_key"]
    fields["sftp_host_key"] = "SHA256:" + "B" * 43
    data_set = world.data_set(name="Referral status", kind="referral_status", **fields)
    period = parse_period("monthly", "2026-02")
    failed = send(data_set, period, acting=Acting.system(world.tenant.hub))
    assert failed.status == "failed" and "refused" in failed.message
    with scopes_disabled():
        type(data_set).objects.filter(pk=data_set.pk).update(sftp_host_key=good_key)
        data_set.refresh_from_db()
    again = send(data_set, period, acting=Acting.system(world.tenant.hub))
    assert (again.pk, again.status) == (failed.pk, "sent")

"""Renewal prompts for every contract: nightly command and contract page, created once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts import services
from carehub.contracts.models import Contract, LifecycleTask
from carehub.tenancy.access import Acting
from tests.integration.conftest import acting_as
from tests.integration.contracts.factories import make_contract


def renewal_tasks(contract: Contract) -> list[LifecycleTask]:
    with scopes_disabled():
        return list(LifecycleTask.objects.filter(contract=contract, kind="renewal_discussion"))


def in_implementation(tenant: Any, code: str, ends: date, months: int = 4) -> Contract:
    contract = make_contract(tenant, code)
    with scopes_disabled():
        Contract.objects.filter(pk=contract.pk).update(stage="implementation", ends=ends,
                                                       renewal_notice_months=months)
        contract.refresh_from_db()
    return contract


@pytest.mark.django_db
def test_remind_command_creates_each_due_task_once(tenant: Any, other_tenant: Any,
                                                   capsys: Any) -> None:
    due = in_implementation(tenant, "T-DUE", date(2026, 12, 31))
    later = in_implementation(tenant, "T-LATER", date(2027, 12, 31))
    short = in_implementation(other_tenant, "O-SHORT", date(2026, 10, 31), months=2)
    scoping = make_contract(tenant, "T-SCOPING")  # ends 2026-12-31 but not yet running

    call_command("contract", "remind", "--today", "2026-09-01")
    out = capsys.readouterr().out
    assert "T-DUE: renewal task created, due 2026-08-31 (ends 2026-12-31" in out
    assert "O-SHORT: renewal task created, due 2026-08-31" in out
    assert "1 renewal task" not in out and "2 renewal tasks created on 2026-09-01" in out
    assert [t.due for t in renewal_tasks(due)] == [date(2026, 8, 31)]
    assert len(renewal_tasks(short)) == 1
    assert renewal_tasks(later) == [] and renewal_tasks(scoping) == []
    with scopes_disabled():
        audited = AuditEvent.objects.filter(object_type="contract_task",
                                            detail__reason="renewal notice")
        assert sorted(e.organisation.name for e in audited) == ["Alpha Hub", "Omega Hub"]

    # Idempotent: a second night creates nothing, even after the task is done.
    with scopes_disabled():
        services.set_task_done(renewal_tasks(due)[0], True, acting=acting_as(tenant.users["hub_admin"]))
    call_command("contract", "remind", "--today", "2026-09-02")
    assert "0 renewal tasks created on 2026-09-02" in capsys.readouterr().out
    assert len(renewal_tasks(due)) == 1 and len(renewal_tasks(short)) == 1


@pytest.mark.django_db
def test_extended_contract_gets_a_new_prompt_for_its_new_term(tenant: Any) -> None:
    contract = in_implementation(tenant, "T-EXT", date(2026, 12, 31))
    with scopes_disabled():
        first = services.prompt_renewal(contract, date(2026, 9, 1), acting=Acting.system(contract.provider))
        assert first is not None
        assert services.prompt_renewal(contract, date(2026, 9, 1), acting=Acting.system(contract.provider)) is None
        services.set_task_done(first, True, acting=acting_as(tenant.users["hub_admin"]))
        Contract.objects.filter(pk=contract.pk).update(ends=date(2027, 12, 31))
        contract.refresh_from_db()
        assert services.prompt_renewal(contract, date(2027, 9, 1), acting=Acting.system(contract.provider)) is not None
    assert [t.due for t in renewal_tasks(contract)] == [date(2026, 8, 31), date(2027, 8, 31)]


@pytest.mark.django_db
def test_remind_rejects_a_bad_date(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("contract", "remind", "--today", "2026-13-01")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "carehub contract: --today: '2026-13-01' is not a date YYYY-MM-DD")


@pytest.mark.django_db
def test_opening_the_contract_page_creates_the_task_once(tenant: Any, other_tenant: Any,
                                                        login_as: Any) -> None:
    # Today (whatever it is) is inside the notice window of a contract ending in 60 days.
    from django.utils import timezone

    today = timezone.localdate()
    contract = in_implementation(tenant, "T-PAGE", services.add_months(today, 2))
    url = reverse("contracts:detail", args=[contract.code])
    assert login_as(other_tenant.users["hub_admin"]).get(url).status_code == 404
    assert renewal_tasks(contract) == []
    first = login_as(tenant.users["cbo_worker"]).get(url)
    assert b"a renewal task was added" in first.content
    assert b"Begin renewal discussions" in first.content
    again = login_as(tenant.users["hub_admin"]).get(url)
    assert b"a renewal task was added" not in again.content
    tasks = renewal_tasks(contract)
    assert len(tasks) == 1 and tasks[0].due == services.renewal_prompt_date(contract)
    with scopes_disabled():
        event = AuditEvent.objects.get(object_type="contract_task", object_id=str(tasks[0].pk))
    assert event.actor == tenant.users["cbo_worker"] and event.organisation == tenant.cbo

"""Every contract write made through a page leaves an audit event saying what changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from carehub.contracts.models import ChecklistItem, EscalationLevel, LifecycleTask
from tests.integration.conftest import signed_in
from tests.integration.contracts.factories import make_contract

ROLES = ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
         "payer_analyst", "auditor"]


def events(object_type: str) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(object_type=object_type).order_by("seq"))


def scope_post(escalation: list[dict[str, Any]], contract_pk: int, initial: int = 0,
               **fields: str) -> dict[str, Any]:
    data: dict[str, Any] = {"volume_period": "month", "baa_required": "on", **fields}
    for prefix in ("services", "contacts", "data"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update({"escalation-TOTAL_FORMS": str(len(escalation)),
                 "escalation-INITIAL_FORMS": str(initial)})
    for i, row in enumerate(escalation):
        data.update({f"escalation-{i}-{k}": v for k, v in row.items()})
        data[f"escalation-{i}-contract"] = str(contract_pk)
    return data


@pytest.mark.django_db
def test_scope_edit_audits_changed_fields_and_escalation_levels(tenant: Any,
                                                               login_as: Any) -> None:
    contract = make_contract(tenant)
    client = login_as(tenant.users["hub_admin"])
    url = reverse("contracts:scope", args=[contract.code])
    level = {"level": "1", "organisation": str(tenant.hub.pk), "role": "hub_coordinator",
             "response_hours": "24"}
    response = client.post(url, scope_post([level], contract.pk, min_volume="10",
                                           trainings="HIPAA"))
    assert response.status_code == 302
    saved = events("contract")[-1]
    assert saved.action == "update" and saved.actor == tenant.users["hub_admin"]
    assert sorted(saved.detail["fields"]) == ["min_volume", "trainings"]
    created = events("contract_escalation_level")
    assert [(e.action, e.detail["level"], e.detail["response_hours"]) for e in created] == [
        ("create", 1, 24)]

    with scopes_disabled():
        row = EscalationLevel.objects.get(contract=contract)
    level.update(id=str(row.pk), response_hours="8")
    client.post(url, scope_post([level], contract.pk, initial=1, min_volume="10",
                                trainings="HIPAA"))
    changed = events("contract_escalation_level")[-1]
    assert changed.action == "update" and changed.detail["fields"] == ["response_hours"]
    assert changed.detail["response_hours"] == 8
    assert events("contract")[-1].detail["fields"] == []

    level["DELETE"] = "on"
    client.post(url, scope_post([level], contract.pk, initial=1, min_volume="10",
                                trainings="HIPAA"))
    removed = events("contract_escalation_level")[-1]
    assert (removed.action, removed.object_id) == ("delete", str(row.pk))
    with scopes_disabled():
        assert not EscalationLevel.objects.filter(contract=contract).exists()


@pytest.mark.django_db
def test_task_add_and_edit_are_audited(tenant: Any, login_as: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        task = LifecycleTask.objects.get(contract=contract, kind="credentialing")
    client = login_as(tenant.users["payer_manager"])
    edit = reverse("contracts:task_edit", args=[contract.code, task.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"stage": "pre_launch", "kind": "credentialing",
                                  "title": task.title, "owner_role": "hub_admin",
                                  "due": "2026-01-15"})
    assert response.status_code == 302
    with scopes_disabled():
        task.refresh_from_db()
    assert str(task.due) == "2026-01-15"
    updated = events("contract_task")[-1]
    assert (updated.action, updated.detail["fields"]) == ("update", ["due"])
    # The dated task now counts on the checklist.
    page = client.get(reverse("contracts:checklist", args=[contract.code]))
    assert b"1 of 22 provisions present" in page.content
    client.post(reverse("contracts:task_add", args=[contract.code]),
                {"stage": "implementation", "kind": "general", "title": "Quarterly review",
                 "owner_role": "hub_admin", "due": "2026-04-01"})
    added = events("contract_task")[-1]
    assert added.action == "create" and added.detail["stage"] == "implementation"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_task_edit_by_role(role: str, tenant: Any, other_tenant: Any, login_as: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        task = LifecycleTask.objects.filter(contract=contract).first()
    assert task is not None
    url = reverse("contracts:task_edit", args=[contract.code, task.pk])
    for who, owner in (("own", tenant), ("other", other_tenant)):
        status = login_as(owner.users[role]).get(url).status_code
        may = who == "own" and role in ("hub_admin", "payer_manager")
        assert status == (200 if may else 404), (who, role)
    # Another contract's task id under this contract's code is not found either.
    other = make_contract(other_tenant, "O-MEALS")
    with scopes_disabled():
        foreign = LifecycleTask.objects.filter(contract=other).first()
    assert foreign is not None
    if role == "hub_admin":
        client = login_as(tenant.users[role])
        assert client.get(reverse("contracts:task_edit",
                                  args=[contract.code, foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_checklist_configuration_changes_are_audited() -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "long-pass-phrase-7")
    client = signed_in(admin)  # staff, verified with a second factor
    item = ChecklistItem.objects.get(rule="revisit")
    response = client.post(reverse("admin:contracts_checklistitem_change", args=[item.pk]), {
        "section": item.section, "group": item.group, "text": item.text, "rule": item.rule,
        "position": item.position, "has_due_date": "on" if item.has_due_date else "",
    })  # `required` left unticked: the row becomes optional
    assert response.status_code == 302, response.content[:500]
    item.refresh_from_db()
    assert item.required is False
    event = events("checklist_item")[-1]
    assert event.action == "update" and event.detail["fields"] == ["required"]
    assert event.actor == admin

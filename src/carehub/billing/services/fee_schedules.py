"""Storing fee schedules: a hub's own schedule from CSV (checked whole by the core's
loader, nothing saved on error) and a contract's billing settings. The shipped schedules
are loaded by the data migration 0003_shipped_fee_schedules with `store_rows`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.billing.models import ContractBilling, FeeSchedule, FeeScheduleRow
from carehub.contracts.models import Contract
from carehub.core.billing.fee_schedule import FeeRow, FeeScheduleError, load_csv
from carehub.core.validation import InputError
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Role


class ScheduleError(InputError):
    """A schedule or a setting that cannot be stored; nothing was saved."""


def row_fields(row: FeeRow, position: int) -> dict[str, Any]:
    return {"position": position, "service": row.service[:200], "code": row.code,
            "modifiers": " ".join(row.modifiers), "unit": row.unit[:60], "rate": row.rate,
            # Empty: the programme gives no start date; the row applies from the beginning.
            "effective": row.effective,
            "ends": row.ends, "per_day": row.per_day, "per_period": row.per_period,
            "per_episode": row.per_episode, "verification": row.verification[:200],
            "source": row.source[:400], "notes": row.notes[:400]}


def store_rows(model: Any, schedule_id: int, rows: Iterable[FeeRow]) -> None:
    """Rows of a core schedule into `model` (FeeScheduleRow, or its historical model in a
    migration)."""
    model.objects.bulk_create([model(schedule_id=schedule_id, **row_fields(row, position))
                               for position, row in enumerate(rows, start=1)])


def upload_schedule(*, name: str, text: str, filename: str, acting: Acting,
                    description: str = "") -> FeeSchedule:
    if not acting.has_role(Role.HUB_ADMIN):
        raise ScheduleError([("", "only a hub administrator loads a fee schedule")])
    try:
        loaded = load_csv(text, name)
    except FeeScheduleError as exc:
        raise ScheduleError(exc.errors, source=filename) from None
    with transaction.atomic(), scopes_disabled():
        if FeeSchedule.objects.filter(owner=acting.organisation, name=name).exists():
            raise ScheduleError([("name", f'your organisation already has a schedule "{name}"')],
                                source=filename)
        schedule = FeeSchedule.objects.create(
            name=name, owner=acting.organisation, description=description[:300],
            source_filename=filename[:200], sha256=hashlib.sha256(text.encode()).hexdigest(),
            loaded_by=acting.user if getattr(acting.user, "pk", None) else None)
        store_rows(FeeScheduleRow, schedule.pk, loaded.rows)
        audit.record("create", acting=acting, object_type="fee_schedule",
                     object_id=str(schedule.pk),
                     detail={"name": name, "rows": len(loaded.rows), "sha256": schedule.sha256})
    return schedule


def set_contract_billing(contract: Contract, *, fee_schedule: FeeSchedule | None,
                         timely_filing_days: int, eligible_products: str,
                         acting: Acting) -> ContractBilling:
    if (acting.organisation is None or acting.organisation.pk != contract.provider_id
            or not acting.has_role(Role.HUB_ADMIN)):
        raise ScheduleError([("contract", "only the hub administrator of the contract sets "
                                          "its billing")])
    if fee_schedule is not None and fee_schedule.owner_id not in (None, contract.provider_id):
        raise ScheduleError([("fee_schedule", "not a schedule your organisation may use")])
    products = " ".join(eligible_products.split())
    with transaction.atomic(), scopes_disabled():
        found, _ = ContractBilling.objects.get_or_create(contract=contract)
        before = {"fee_schedule": found.fee_schedule_id,
                  "timely_filing_days": found.timely_filing_days,
                  "eligible_products": found.eligible_products}
        found.fee_schedule = fee_schedule
        found.timely_filing_days = timely_filing_days
        found.eligible_products = products
        found.save()
        audit.record("update", acting=acting, object_type="contract_billing",
                     object_id=str(contract.pk),
                     detail={"before": before, "after": {
                         "fee_schedule": found.fee_schedule_id,
                         "timely_filing_days": timely_filing_days,
                         "eligible_products": products}})
    return found

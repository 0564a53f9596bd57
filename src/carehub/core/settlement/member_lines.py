"""Member-level lines: what a statement pays per service, line by line (member, date,
code, modifiers, units, amount), for contracts billed as claims.

Only fee-for-service components pay per service: for each of them, every service line of
the period that is paid at least one unit gives one member line, carrying the activity
line's `id` so it maps back to the delivery it records. The lines of a component add up
exactly to that component's per-service lines on the statement (units × rate in whole
cents); a guaranteed-minimum top-up is paid to the contract, not per member, and has no
member line. Bundled case rates, hybrid floors and capitation pay per episode or member
month, not per service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from carehub.core.activity import Activity
from carehub.core.money import cents_to_decimal, fmt, to_cents
from carehub.core.settlement.context import Context
from carehub.core.settlement.engine import claim_bundled, with_history
from carehub.core.settlement.fee_for_service import count_units
from carehub.core.terms import FeeForService, Terms


@dataclass(frozen=True, slots=True)
class MemberLine:
    component: str
    id: str  # the activity service line's id ("" when the activity gave none)
    member: str
    date: date
    service: str  # the terms' service code
    code: str  # HCPCS, "" when the service has none
    modifiers: tuple[str, ...]
    units: int  # units paid
    delivered: int  # units delivered (more when a cap refused some)
    rate: Decimal
    amount: Decimal

    def to_json_dict(self) -> dict[str, Any]:
        return {"component": self.component, "id": self.id, "member": self.member,
                "date": self.date.isoformat(), "service": self.service, "code": self.code,
                "modifiers": list(self.modifiers), "units": self.units,
                "delivered": self.delivered, "rate": fmt(self.rate),
                "amount": fmt(self.amount)}


def member_lines(terms: Terms, activity: Activity) -> list[MemberLine]:
    """The member lines of the activity's period, per fee-for-service component in the
    order the terms list them, each in the activity's line order."""
    ctx = Context(terms, with_history(terms, activity))
    claim_bundled(ctx)
    services = activity.services
    ids = services.ids
    out: list[MemberLine] = []
    for component in terms.components:
        if not isinstance(component, FeeForService):
            continue
        counted = count_units(ctx, component, by_month=False)
        for row, paid in zip(counted.rows.tolist(), counted.paid.tolist(), strict=True):
            if not paid:
                continue
            service = terms.service(services.codes[int(services.service[row])])
            out.append(MemberLine(
                component=component.id, id=ids[row] if ids else "",
                member=services.member_ids[int(services.member[row])],
                date=date.fromordinal(int(services.day[row])), service=service.code,
                code=service.hcpcs or "", modifiers=service.modifiers, units=int(paid),
                delivered=int(services.units[row]), rate=service.rate,
                amount=cents_to_decimal(int(paid) * to_cents(service.rate))))
    return out

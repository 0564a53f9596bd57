"""File exchange rows of one set: a data set of the set's contract (a monthly member list
from its plan through the drop folder) and a refused delivery with its receipt and file
(refused, so the set's roster is unchanged)."""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

from django_scopes import scopes_disabled

from tests.integration.conftest import acting_as


def exchange(w: Any) -> dict[str, Any]:
    from carehub.exchange.models import DataSet, Delivery
    from carehub.exchange.services import folders, run_exchange, save_data_set

    t, marker = w.tenant, w.marker
    hub = acting_as(t.users["hub_admin"], t.hub)
    with scopes_disabled():
        data_set = save_data_set(DataSet(
            contract=w.contract, name=f"{marker} roster", kind="member_list", format="csv",
            cadence="monthly", due_days=5, starts=date(2026, 1, 1), transport="folder",
            counterparty=w.contract.payer), acting=hub)
    path = folders.ensure(data_set) / "in" / f"{marker.lower()}-roster.csv"
    path.write_text("member_id,first_name\nW1,Walked\n", encoding="utf-8")
    os.utime(path, (time.time() - 60, time.time() - 60))
    run_exchange(data_set_id=data_set.pk, settle=0)
    with scopes_disabled():
        delivery = Delivery.objects.get(data_set=data_set)
    return {"exchange_data_set": data_set, "exchange_delivery": delivery}

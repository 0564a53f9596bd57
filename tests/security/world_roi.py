"""ROI rows of one set: a finished ROI run for the set's contract (groups of 12 and 15,
large enough for the hub to see) and a social measure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_scopes import scopes_disabled

from tests.integration.conftest import acting_as


def roi(w: Any) -> dict[str, Any]:
    from carehub.analytics import roi as job
    from carehub.analytics.roi import MemberFigures, RoiOptions
    from carehub.reporting.models import RoiRun, RoiStatus
    from carehub.reporting.services import roi as service

    t = w.tenant
    plan = acting_as(t.users["payer_manager"], t.payer)
    members = []
    for i in range(27):
        m = MemberFigures(f"{w.marker}-R{i}", i < 12, dt.date(2026, 1, 1), "dsnp", "Erie",
                          "65-74", "low")
        m.values = {"mm_b": 6, "mm_f": 6, "ed_b": i % 3, "ed_f": i % 2, "ip_b": 0, "ip_f": 0,
                    "cents_b": 10000 + i, "cents_f": 9000 + i}
        members.append(m)
    with scopes_disabled():
        run = RoiRun.objects.create(
            contract=w.contract, payer=w.contract.payer, hub=w.contract.provider,
            roster_path="roster.csv", claims_path="claims.csv", bootstrap=100,
            status=RoiStatus.DONE, results=job.estimate(members, RoiOptions(bootstrap=100)))
        measure = service.define_measure(w.contract, name=f"{w.marker} meals",
                                         counts="service_units", code="HDM", unit="meals",
                                         acting=plan)
    return {"roi_run": run, "roi_measure": measure}

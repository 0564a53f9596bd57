"""Demo data of the roi area: DEMO-MEALS's ROI estimated on the plan's delivered demo
extracts (its enrolled members against the rest of the demo roster) and two social
measures. The demo run uses 200 bootstrap resamples instead of 1,000 so the seed stays
fast; the page says how many were used. The demo's synthetic claims carry no planted
effect, so an interval that contains 0 is the honest answer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.analytics.extracts import ExtractError
from carehub.analytics.roi import RoiError, RoiOptions
from carehub.contracts.models import Contract
from carehub.population import extract_files
from carehub.population.models import Dataset
from carehub.reporting.models import RoiRun, SocialMeasure
from carehub.reporting.services import roi as services
from carehub.tenancy.access import Acting

CONTRACT = "DEMO-MEALS"
DEMO_BOOTSTRAP = 200
# What the demo says was paid when no statement covers the months studied.
DEMO_PAID = Decimal("48000.00")
MEASURES = (
    ("Meals delivered", SocialMeasure.Counts.SERVICE_UNITS, "HDM", "meals"),
    ("Food needs met", SocialMeasure.Counts.NEEDS_MET, "food", "needs"),
)


def seed(ctx: Any) -> None:
    with scopes_disabled():
        contract = Contract.objects.select_related("payer", "provider").filter(
            code=CONTRACT, payer=ctx.payer).first()
    if contract is None:
        return
    acting = Acting.system(ctx.payer)
    for name, counts, code, unit in MEASURES:
        if not SocialMeasure.objects.filter(contract=contract, name=name).exists():
            services.define_measure(contract, name=name, counts=counts, code=code, unit=unit,
                                    acting=acting)
    if RoiRun.objects.filter(contract=contract).exists():
        return
    dataset = (Dataset.objects.filter(plan=ctx.payer, source=Dataset.Source.DELIVERED)
               .order_by("-created_at").first())
    if dataset is None:
        return
    options = RoiOptions(bootstrap=DEMO_BOOTSTRAP, paid=DEMO_PAID)
    with transaction.atomic():
        run = services.create_run(contract, roster=Path(dataset.roster_path),
                                  claims=Path(dataset.claims_path),
                                  options=options, acting=acting, dataset=dataset)
        try:
            result = services.compute(run, extract_files.absolute(dataset.roster_path),
                                      extract_files.absolute(dataset.claims_path), acting=acting)
        except (RoiError, ExtractError) as exc:
            services.finish(run, error=str(exc), acting=acting)
            ctx.log(f"reporting: DEMO-MEALS ROI not estimated: {exc}")
            return
        services.finish(run, result=result, acting=acting)
    did = result["did"]["allowed_pmpm"]
    ctx.log(f"reporting: DEMO-MEALS ROI, allowed PMPM difference {did['estimate']} "
            f"({did['low']} to {did['high']}), {result['counts']['enrolled_matched']} enrolled")

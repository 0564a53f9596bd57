"""A contract with enrolled members and the plan's extracts for ROI tests: the synthetic
roster and claims of tests/roi_synthetic.py, the program members as referrals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.members.models import Member, MemberAccess
from carehub.population.models import Dataset
from carehub.referrals.models import Referral
from tests import roi_synthetic
from tests.integration.conftest import Tenant, accepted_contract


def roi_contract(t: Tenant, code: str = "T-MEALS", *, ends_in_days: int = 60) -> Contract:
    today = timezone.localdate()
    return accepted_contract(t.payer, t.hub, code, delivering=[t.cbo],
                             starts=dt.date(2024, 1, 1),
                             ends=today + dt.timedelta(days=ends_in_days),
                             renewal_notice_months=3)


def program(t: Tenant, contract: Contract, members: dict[str, dt.date]) -> list[Referral]:
    """Each program member as a plan member with an enrolled referral under `contract`."""
    with scopes_disabled():
        made = Member.objects.bulk_create([
            Member(plan=t.payer, member_id=member_id, first_name="Syn", last_name=member_id,
                   birth_date=dt.date(1950, 1, 1), sex="U", product="dsnp")
            for member_id in members])
        MemberAccess.objects.bulk_create(
            [MemberAccess(member=m, organisation=t.payer, reason="plan") for m in made]
            + [MemberAccess(member=m, organisation=t.hub, reason="program") for m in made])
        return Referral.objects.bulk_create([
            Referral(member=m, plan=t.payer, hub=t.hub, organisation=t.cbo, contract=contract,
                     contract_code=contract.code, service_code="HDM", state="enrolled",
                     enrolled_on=members[m.member_id])
            for m in made])


def dataset(t: Tenant, folder: Path, name: str = "Synthetic extracts") -> Dataset:
    with scopes_disabled():
        return Dataset.objects.create(
            plan=t.payer, name=name, roster_path=str(folder / "roster.csv"),
            roster_name="roster.csv", roster_sha256="0" * 64, roster_rows=0,
            claims_path=str(folder / "claims.csv"), claims_name="claims.csv",
            claims_sha256="0" * 64, claims_rows=0)


def world(t: Tenant, folder: Path, *, enrolled: int = 40, comparison: int = 80
          ) -> tuple[Contract, Dataset]:
    contract = roi_contract(t)
    members = roi_synthetic.write(folder, enrolled=enrolled, comparison=comparison, seed=2)
    program(t, contract, members)
    return contract, dataset(t, folder)

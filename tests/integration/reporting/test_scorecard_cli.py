"""`carehub scorecard` on the command line: the card as a table, JSON or CSV, split by CBO
or a sub-population, suppressed with --shared; exit 2 with one line on stderr for an
unknown contract, a bad period or a bad option. And the periodic job that keeps the
figures current."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.core.scorecard.periods import parse_period
from carehub.jobs.runner import run_job
from carehub.jobs.services import start_job
from carehub.referrals.models import OutreachAttempt, Referral
from carehub.reporting.models import ReferralFact
from carehub.reporting.selectors import scorecard
from carehub.reporting.tasks_scorecard import _body, scorecard_facts_task
from carehub.tenancy.access import Acting
from tests.integration.conftest import accepted_contract, acting_as
from tests.integration.reporting.scorecard_world import make_members, make_referrals

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(tenant):  # type: ignore[no-untyped-def]
    contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo],
                                 outreach_goal=Decimal("80"), contact_goal=Decimal("55"),
                                 starts=date(2026, 1, 1))
    members = make_members(tenant.payer, 15, "C", race="Black")
    make_referrals(contract, tenant.cbo, members,
                   [("contacted", None, True)] * 8 + [("outreach", None, True)] * 4
                   + [("assigned", None, False)] * 3, date(2026, 3, 9))
    return contract


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("scorecard", *args, stdout=out)
    return out.getvalue()


def fails(capsys, *args: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as code:
        call_command("scorecard", *args)
    assert code.value.code == 2
    return capsys.readouterr().err.strip()


def test_json_card_with_counts_rates_goals_and_statuses(contract) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(run("--contract", "T-MEALS", "--period", "2026-03", "--format", "json"))
    assert out["period"]["code"] == "2026-03" and out["contract"] == "T-MEALS"
    figures = {f["measure"]: f for f in out["figures"]}
    assert figures["outreach_rate"] == {
        "measure": "outreach_rate", "name": "Outreach rate", "numerator": 12,
        "denominator": 15, "rate": "80%", "value": "", "goal": "80%", "status": "met"}
    assert (figures["contact_rate"]["rate"], figures["contact_rate"]["status"]) == ("67%", "met")
    assert figures["assigned"]["numerator"] == 15


def test_table_and_csv_split_by_sub_population(contract) -> None:  # type: ignore[no-untyped-def]
    table = run("--contract", "T-MEALS", "--period", "2026-Q1", "--by", "race")
    assert "T-MEALS: Q1 2026" in table and "Race: Black" in table
    assert "12 of 15" in table and "Met" in table
    rows = list(csv.DictReader(io.StringIO(run("--contract", "T-MEALS", "--period", "2026",
                                               "--format", "csv", "--by", "cbo",
                                               "--shared"))))
    assert {r["group"] for r in rows} == {"All", "Alpha Pantry"}
    outreach = next(r for r in rows if r["group"] == "All" and r["measure"] == "outreach_rate")
    assert (outreach["period"], outreach["numerator"], outreach["denominator"]) == \
        ("2026", "12", "15")
    contact = next(r for r in rows if r["group"] == "All" and r["measure"] == "contact_rate")
    assert (contact["numerator"], contact["rate"], contact["status"]) == ("<11", "", "suppressed")


def test_bad_input_exits_2_with_one_line(contract, capsys) -> None:  # type: ignore[no-untyped-def]
    assert fails(capsys, "--contract", "NOPE", "--period", "2026-03") == \
        "carehub scorecard: no contract with the code 'NOPE'"
    assert "'2026-13' is not one of YYYY-MM" in fails(capsys, "--contract", "T-MEALS",
                                                     "--period", "2026-13")
    assert "--by 'zip'" in fails(capsys, "--contract", "T-MEALS", "--period", "2026-03",
                                 "--by", "zip")
    assert "--format 'xml'" in fails(capsys, "--contract", "T-MEALS", "--period", "2026-03",
                                     "--format", "xml")


def test_the_periodic_job_brings_the_figures_up_to_date(contract, tenant) -> None:  # type: ignore[no-untyped-def]
    def run_the_job() -> None:
        job = start_job(scorecard_facts_task, kind="reporting.scorecard_facts",
                        title="Scorecard facts", acting=Acting.system())
        run_job(str(job.pk), _body(full=False))

    run_the_job()
    hub = acting_as(tenant.users["hub_admin"])
    march = parse_period("2026-03")
    assert scorecard.card(hub, contract, march).figure("contact_rate").numerator == 8
    # An outreach attempt recorded later on a referral left in "assigned": the next
    # incremental run finds it by its time and counts the referral as outreached.
    with scopes_disabled():
        left = Referral.objects.filter(contract=contract, state="assigned").first()
        OutreachAttempt.objects.create(referral=left, member_id=left.member_id,
                                       organisation=tenant.cbo,
                                       at=timezone.now() + timedelta(seconds=1),
                                       channel="phone", outcome="no_answer")
    run_the_job()
    assert scorecard.card(hub, contract, march).figure("outreach_rate").numerator == 13
    with scopes_disabled():
        assert ReferralFact.objects.filter(contract=contract).count() == 15

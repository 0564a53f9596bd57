"""Activity export feeds the payment engine; roster and ranked-list imports are
idempotent and all-or-nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from carehub.core.activity import load_activity
from carehub.core.settlement import settle
from carehub.core.terms import parse_terms_text
from carehub.members.imports import ImportProblem, parse_roster
from carehub.members.models import EnrolmentSpan, Member
from carehub.referrals.activity import build_activity
from carehub.referrals.models import RankedList, Referral
from tests.integration.referrals.conftest import acting_as, refer, walk_to

pytestmark = pytest.mark.django_db
TERMS = Path(__file__).parents[3] / "src/carehub/core/examples/terms/wny-meals-hybrid.yaml"
HEADER = "member_id,first_name,last_name,birth_date,sex,product,enroll_start,enroll_end,county\n"


def test_activity_export_settles(tenant, contract, tmp_path):
    walk_to(refer(tenant), tenant, "in_service")
    period = date.today().strftime("%Y-%m")
    out = tmp_path / "activity.json"
    call_command("activity", "--contract", "T-MEALS", "--period", period, "--out", str(out))
    data = json.loads(out.read_text())
    assert [{k: v for k, v in line.items() if k != "id"} for line in data["services"]] == [
        {"member": "Alpha-M1", "service": "HDM", "date": date.today().isoformat(), "units": 2}]
    assert isinstance(data["services"][0]["id"], int)
    assert data["attribution"][0]["member"] == "Alpha-M1"
    assert [e["type"] for e in data["events"]] == ["enrolled"]
    statement = settle(parse_terms_text(TERMS.read_text(), str(TERMS)), load_activity(data))
    floor = [line for line in statement.lines if line.label == "Capitation floor"]
    assert floor and str(floor[0].amount) == "18000.00"
    assert build_activity("T-MEALS", period) == data


def test_activity_rejects_a_bad_period(tenant, contract, capsys):
    refer(tenant)
    with pytest.raises(SystemExit) as exit_:
        call_command("activity", "--contract", "T-MEALS", "--period", "2026-13")
    assert exit_.value.code == 2
    assert "period '2026-13' is not a month written YYYY-MM" in capsys.readouterr().err


def test_roster_import_is_idempotent(tenant, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "N1,Nia,Ng,1950-02-03,F,medicaid,2025-01-01,,\"Erie, NY\"\n"
                    "N2,Omar,Ode,1948-07-09,M,dsnp,2025-01-01,2025-12-31,\"Erie, NY\"\n")
    call_command("import_members", "roster", str(path), "--plan", tenant.payer.slug)
    call_command("import_members", "roster", str(path), "--plan", tenant.payer.slug)
    with scopes_disabled():
        assert Member.objects.filter(plan=tenant.payer, member_id__in=["N1", "N2"]).count() == 2
        assert EnrolmentSpan.objects.filter(member__member_id="N2").get().end == date(2025, 12, 31)


def test_a_bad_row_imports_nothing_and_names_row_and_column(tenant, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "N1,Nia,Ng,1950-02-03,F,medicaid,2025-01-01,,\n"
                    "N2,Omar,Ode,1948-13-09,X,dsnp,2025-01-01,,\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_members", "roster", str(path), "--plan", tenant.payer.slug)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "row 3, column sex: 'X' is not one of F, M, U" in err
    assert "row 3, column birth_date: '1948-13-09' is not a date YYYY-MM-DD" in err
    with scopes_disabled():
        assert not Member.objects.filter(member_id="N1").exists()


def test_a_missing_column_is_named():
    with pytest.raises(ImportProblem, match="row 1, column product: column is missing"):
        parse_roster("r.csv", [{"member_id": "1", "first_name": "a", "last_name": "b",
                                "birth_date": "2000-01-01", "sex": "F", "enroll_start": "2025-01-01"}])


def test_ranked_list_assigns_only_selected_rows_and_skips_owned(tenant, routable, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + "".join(
        f'R{i},N{i},L{i},1950-01-01,F,medicaid,2025-01-01,,"Erie, NY"\n' for i in range(1, 5)))
    call_command("import_members", "roster", str(roster), "--plan", tenant.payer.slug)
    ranked = tmp_path / "ranked.csv"
    ranked.write_text("member_id,rank,selected,reasons,risk_score\n"
                      "R1,1,true,age 71>=65,2.1\nR2,2,true,age 70>=65,1.9\n"
                      "R3,3,true,age 69>=65,1.8\nR4,4,false,age 66>=65,1.1\n")
    with scopes_disabled():
        from carehub.referrals import services

        r3 = Member.objects.get(member_id="R3")
        services.create_referral(member=r3, organisation=tenant.cbo, service_code="HDM",
                                 contract_code="T-MEALS", acting=acting_as(None, tenant.hub))
    args = ["import_members", "ranked", str(ranked), "--plan", tenant.payer.slug,
            "--contract", "T-MEALS", "--service", "HDM", "--hub", tenant.hub.slug, "--assign"]
    call_command(*args)
    call_command(*args)  # the same file again: stored once, nothing assigned twice
    with scopes_disabled():
        made = Referral.objects.filter(source="ranked_list").order_by("member__member_id")
        assert [r.member.member_id for r in made] == ["R1", "R2"]
        assert {r.organisation_id for r in made} == {tenant.cbo.pk}
        # Routed in rank order, each counted into the load before the next.
        assert [r.routing_reason for r in made] == [
            f"Alpha Pantry: delivers T-MEALS, offers nutrition in Erie County, accepting, {n}"
            for n in ("1 open referral", "2 open referrals")]


def test_import_refuses_a_hub_without_a_contract_in_effect(tenant, other_tenant, tmp_path,
                                                            capsys):
    """The plan assigns only to a hub it has a contract in effect with; an unknown hub
    and another plan's hub read the same, and nothing is stored."""
    ranked = tmp_path / "ranked.csv"
    ranked.write_text(f"member_id,rank,selected\n{tenant.member.member_id},1,true\n")
    messages = []
    for slug in (other_tenant.hub.slug, "no-such-hub"):
        with pytest.raises(SystemExit) as exit_info:
            call_command("import_members", "ranked", str(ranked), "--plan", tenant.payer.slug,
                         "--contract", "T-MEALS", "--service", "HDM", "--hub", slug,
                         "--assign")
        assert exit_info.value.code == 2
        messages.append(capsys.readouterr().err.replace(slug, "SLUG"))
    assert messages[0] == messages[1] == (
        "carehub import_members: Alpha Plan has no contract in effect with a hub 'SLUG'\n")
    with scopes_disabled():
        assert not RankedList.objects.exists() and not Referral.objects.exists()

"""The pages around the import, assignment and settlement jobs, in a browser at both
widths: billing's settlement page, an issued statement with its downloads, and a ranked list
after its assignment job naming the members the contract's rules refused."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from carehub.billing.tasks_statements import SETTLE_KIND, settle_body, settle_task
from carehub.jobs import services as jobs
from carehub.jobs.runner import run_job
from carehub.referrals import jobs_api, uploads
from carehub.referrals.models import RankedList
from carehub.referrals.tasks import assignment_body, ranked_import_body
from tests.e2e.conftest import BOTH_WIDTHS, fits_the_screen, shot, sign_in_verified, visit
from tests.integration.conftest import acting_as
from tests.integration.kinds.helpers import ranked_text, upload
from tests.integration.referrals.conftest import (
    contract_with_terms,
    directory_service,
    refer,
    walk_to,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_WIDTHS
def test_settlement_page_and_statement(page, tenant, viewport):  # type: ignore[no-untyped-def]
    contract_with_terms(tenant)
    walk_to(refer(tenant), tenant, "in_service")
    admin = tenant.users["hub_admin"]
    job = jobs.start_job(settle_task, kind=SETTLE_KIND, title="Settle T-MEALS",
                         acting=acting_as(admin),
                         params={"contract": contract_id(), "period": date.today().strftime("%Y-%m")})
    run_job(str(job.pk), settle_body)
    sign_in_verified(page, admin)
    visit(page, "/billing/statements/settle/")
    assert page.get_by_label("Contract").is_visible() and page.get_by_label("Month").is_visible()
    assert page.get_by_role("link", name=f"T-MEALS {date.today():%Y-%m}").is_visible()
    assert fits_the_screen(page)
    shot(page, f"settle-{viewport['width']}")
    page.get_by_role("link", name=f"T-MEALS {date.today():%Y-%m}").click()
    page.wait_for_selector("h1")
    assert "Statement 1 · T-MEALS" in page.locator("h1").inner_text()
    assert page.get_by_role("link", name="Download CSV").is_visible()
    shot(page, f"statement-{viewport['width']}")
    assert page.get_by_role("cell", name="HDM Home-delivered meal").first.is_visible()
    assert fits_the_screen(page)


@BOTH_WIDTHS
def test_ranked_list_after_assignment_names_refused_members(page, tenant, viewport):  # type: ignore[no-untyped-def]
    directory_service(tenant.cbo)
    contract = contract_with_terms(tenant, hub_may_upload_members=True, max_volume=0,
                                   volume_period="month")
    manager = acting_as(tenant.users["payer_manager"])
    stored = uploads.start_upload(manager, kind="ranked", plan=tenant.payer,
                                  upload=upload(ranked_text([tenant.member.member_id]),
                                                "ranked.csv"),
                                  contract_code=contract.code, service_code="HDM")
    run_job(str(stored.pk), ranked_import_body)
    with scopes_disabled():
        ranked = RankedList.objects.get()
    coordinator = tenant.users["hub_coordinator"]
    job = jobs_api.start_assignment(ranked, tenant.hub, acting=acting_as(coordinator))
    run_job(str(job.pk), assignment_body)
    sign_in_verified(page, coordinator)
    visit(page, f"/referrals/ranked/{ranked.pk}/?job={job.pk}")
    assert page.get_by_text("the contract's rules refuse 1 member").is_visible()
    assert page.get_by_role("cell", name=tenant.member.member_id).first.is_visible()
    assert page.get_by_role("button", name="Assign again").is_visible()
    assert fits_the_screen(page)
    shot(page, f"ranked-assigned-{viewport['width']}")


def contract_id() -> int:
    from carehub.contracts.models import Contract

    with scopes_disabled():
        return Contract.objects.get(code="T-MEALS").pk

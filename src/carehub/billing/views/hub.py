"""The hub's billing console: per contract and month, build and check the lines (a job
with progress), counts by status, the clean-line rate, failures by edit code, the split
per CBO, and submitting the month (a job too); the submissions' files to download. hub_admin acts;
hub_coordinator reads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from carehub.audit import services as audit
from carehub.billing import invoices
from carehub.billing.forms.lines import HubMonthForm
from carehub.billing.selectors import lines as reads
from carehub.billing.selectors import submissions as submission_reads
from carehub.billing.tasks_claims import BUILD_KIND, SUBMIT_KIND, start_build, start_submit
from carehub.jobs.models import Job
from carehub.jobs.views import redirect_to_job
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

HUB_ROLES = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PAYER_ROLES = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)


def console_url(contract_pk: int, period: str) -> str:
    return reverse("billing:hub") + f"?contract={contract_pk}&period={period}"


@require_safe
@require_acting(*HUB_ROLES)
def hub_console(request: HttpRequest, acting: Acting) -> HttpResponse:
    contracts = list(reads.hub_contracts(acting))
    chosen = request.GET.get("contract", "")
    if chosen:
        # Another organisation's contract (or none) is not found, not "invalid".
        if not chosen.isdigit():
            raise Http404("Not found")
        reads.get_hub_contract(acting, chosen)
    data = request.GET.copy()
    opening = (reads.get_hub_contract(acting, chosen) if chosen
               else reads.default_contract(contracts))
    if opening is not None:
        data.setdefault("contract", str(opening.pk))
    data.setdefault("period", reads.default_month(opening, timezone.localdate()))
    form = HubMonthForm(data, contracts=contracts)
    context: dict[str, object] = {"form": form, "contracts": contracts,
                                  "may_act": acting.has_role(Role.HUB_ADMIN)}
    if contracts and form.is_valid():
        contract = reads.get_hub_contract(acting, form.cleaned_data["contract"])
        period = form.cleaned_data["period"]
        summary = reads.month_summary(contract, period)
        jobs = Job.objects.filter(kind__in=(BUILD_KIND, SUBMIT_KIND),
                                  organisation=acting.organisation,
                                  params__contract=contract.pk,
                                  params__period=period).order_by("-created_at")[:1]
        context.update({
            "contract": contract, "period": period, "summary": summary,
            "job": jobs[0] if jobs else None,
            "submissions": submission_reads.submissions_of(acting).filter(
                contract=contract, period=period).order_by("-submitted_at"),
            "bills": submission_reads.bills_of(acting).filter(
                contract=contract, period=period, kind="invoice").order_by("number"),
        })
    return render(request, "billing/hub/console.html", context)


def _month(request: HttpRequest, acting: Acting) -> tuple[object, str] | None:
    contracts = list(reads.hub_contracts(acting))
    form = HubMonthForm(request.POST, contracts=contracts)
    if not form.is_valid():
        messages.error(request, "Choose a contract and a month (YYYY-MM).")
        return None
    return reads.get_hub_contract(acting, form.cleaned_data["contract"]), form.cleaned_data["period"]


@require_POST
@require_acting(Role.HUB_ADMIN)
def hub_build(request: HttpRequest, acting: Acting) -> HttpResponse:
    chosen = _month(request, acting)
    if chosen is None:
        return redirect("billing:hub")
    contract, period = chosen
    job = start_build(contract, period, acting)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        return redirect_to_job(request, job)
    return redirect(console_url(contract.pk, period))  # type: ignore[attr-defined]


@require_POST
@require_acting(Role.HUB_ADMIN)
def hub_submit(request: HttpRequest, acting: Acting) -> HttpResponse:
    chosen = _month(request, acting)
    if chosen is None:
        return redirect("billing:hub")
    contract, period = chosen
    # Writing and checking a big month's 837P files takes a while: a job with progress.
    job = start_submit(contract, period, acting)  # type: ignore[arg-type]
    return redirect_to_job(request, job)


def _audit_export(request: HttpRequest, acting: Acting, submission: Any, what: str) -> None:
    """Claims name members: each download is a read of member data, audited."""
    audit.record("export", request=request, acting=acting, object_type="submission",
                 object_id=str(submission.pk),
                 detail={"file": what, "lines": submission.lines, "bills": submission.bills})


def _download(body: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@require_acting(*HUB_ROLES, *PAYER_ROLES)
def submission_837p(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = submission_reads.get_submission(acting, pk)
    if found.mode != "claims" or not found.document:
        return _download("", "empty.txt", "text/plain")
    _audit_export(request, acting, found, "837P")
    return _download(found.document, f"837P-{found.control_number:09d}.x12", "text/plain")


@require_safe
@require_acting(*HUB_ROLES, *PAYER_ROLES)
def submission_csv(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = submission_reads.get_submission(acting, pk)
    lines = submission_reads.doc_lines(submission_reads.bills_of(acting).filter(
        submission=found))
    _audit_export(request, acting, found, "lines CSV")
    return _download(invoices.lines_csv(lines), f"lines-{found.control_number:09d}.csv",
                     "text/csv")


@require_safe
@require_acting(*HUB_ROLES, *PAYER_ROLES, Role.CBO_SUPERVISOR, Role.CBO_WORKER)
def invoice_pdf(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    bill = submission_reads.get_bill(acting, pk)
    return _download(invoices.invoice_pdf(submission_reads.invoice_doc(bill)),
                     f"{bill.number}.pdf", "application/pdf")


@require_safe
@require_acting(*HUB_ROLES, *PAYER_ROLES, Role.CBO_SUPERVISOR, Role.CBO_WORKER)
def invoice_csv(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    bill = submission_reads.get_bill(acting, pk)
    return _download(invoices.invoice_csv(submission_reads.invoice_doc(bill)),
                     f"{bill.number}.csv", "text/csv")

"""Paying CBOs: the hub issues a month's remittance advices, marks them paid and reads its
margin; a CBO reads its own advices and downloads them as PDF or CSV."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from carehub.audit import services as audit
from carehub.billing import payout_documents
from carehub.billing.forms.review import IssuePayoutsForm, MarkPaidForm
from carehub.billing.selectors import payouts as selectors
from carehub.billing.services import payouts as services
from carehub.contracts.models import Contract
from carehub.core.validation import InputError
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import OrganisationKind, Role

READERS = (*roles.HUB, *roles.CBO)


def _contracts(acting: Acting):  # type: ignore[no-untyped-def]
    return Contract.objects.filter(provider=acting.organisation).order_by("code")


@require_acting(*READERS)
def payouts(request: HttpRequest, acting: Acting) -> HttpResponse:
    is_hub = acting.organisation.kind == OrganisationKind.HUB
    form = IssuePayoutsForm(request.POST or None, contracts=_contracts(acting)) if is_hub else None
    status = 200
    if request.method == "POST":
        if form is None or not acting.has_role(Role.HUB_ADMIN):
            raise Http404("Not found")
        if form.is_valid():
            try:
                issued = services.issue_payouts(form.cleaned_data["contract"],
                                                form.cleaned_data["period"], acting=acting)
            except InputError as error:
                for field, message in error.errors:
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"Issued {len(issued)} remittance advice(s)."
                                 if issued else "Nothing new to pay for that month.")
                return redirect("billing:payouts")
        status = 400
    rows = list(selectors.visible_payouts(acting)[:200])
    return render(request, "billing/payouts/list.html", {
        "rows": rows, "form": form, "is_hub": is_hub,
        "may_issue": is_hub and acting.has_role(Role.HUB_ADMIN),
        "margin": selectors.margin_report(acting) if is_hub else [],
    }, status=status)


@require_acting(*READERS)
def payout(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = selectors.visible_payout(acting, pk)
    may_pay = (found.hub_id == acting.organisation.pk and acting.has_role(Role.HUB_ADMIN)
               and found.status == "issued")
    form = MarkPaidForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_pay:
            raise Http404("Not found")
        if form.is_valid():
            try:
                services.mark_paid(found, paid_on=form.cleaned_data["paid_on"],
                                   reference=form.cleaned_data["payment_reference"],
                                   acting=acting)
            except InputError as error:
                for field, message in error.errors:
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, "Marked paid; the CBO is told.")
                return redirect("billing:payout", pk=found.pk)
        status = 400
    return render(request, "billing/payouts/detail.html",
                  {"payout": found, "form": form, "may_pay": may_pay}, status=status)


@require_acting(*READERS)
def payout_file(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    found = selectors.visible_payout(acting, pk)
    name = f"remittance-advice-{found.contract.code}-{found.period}-{found.sequence}"
    if fmt == "pdf":
        response = HttpResponse(payout_documents.payout_pdf(found), content_type="application/pdf")
    elif fmt == "csv":
        response = HttpResponse(payout_documents.payout_csv(found), content_type="text/csv")
    else:
        raise Http404("Not found")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    audit.record("export", request=request, object_type="cbo_payout", object_id=str(found.pk),
                 detail={"format": fmt})
    return response

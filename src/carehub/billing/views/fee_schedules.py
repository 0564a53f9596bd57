"""Fee schedule pages: the schedules a hub or plan may see, each row with its code,
modifiers, rate, dates, limits, source and verification status; a hub administrator loads
its own schedule from CSV and chooses a contract's schedule and filing window."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe
from django_scopes import scopes_disabled

from carehub.billing.forms.fee_schedules import ContractBillingForm, UploadScheduleForm
from carehub.billing.selectors import fee_schedules as reads
from carehub.billing.selectors.lines import get_hub_contract, hub_contracts
from carehub.billing.services import fee_schedules as service
from carehub.billing.services.lines import contract_billing
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

READERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER, Role.PAYER_ANALYST)


@require_safe
@require_acting(*READERS)
def schedule_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    with scopes_disabled():
        schedules = list(reads.schedules_for(acting))
        settings = []
        if acting.has_role(Role.HUB_ADMIN, Role.HUB_COORDINATOR):
            for contract in hub_contracts(acting):
                found = contract_billing(contract)
                settings.append({"contract": contract, "billing": found,
                                 "schedule": found.fee_schedule if found.pk else None})
    return render(request, "billing/fee_schedules/list.html", {
        "schedules": schedules, "settings": settings,
        "may_load": acting.has_role(Role.HUB_ADMIN),
        "upload": UploadScheduleForm(), "choose": _choose_form(acting)})


def _choose_form(acting: Acting, data=None) -> ContractBillingForm:  # type: ignore[no-untyped-def]
    return ContractBillingForm(data, contracts=list(hub_contracts(acting)),
                               schedules=list(reads.schedules_for(acting)))


@require_safe
@require_acting(*READERS)
def schedule_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    schedule = reads.get_schedule(acting, pk)
    with scopes_disabled():
        rows = [{"row": row, "badge": reads.verification_badge(row.verification)}
                for row in schedule.rows.order_by("position")]
    return render(request, "billing/fee_schedules/detail.html", {
        "schedule": schedule, "rows": rows})


@require_http_methods(["POST"])
@require_acting(Role.HUB_ADMIN)
def schedule_upload(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = UploadScheduleForm(request.POST, request.FILES)
    errors: list[tuple[str, str]] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            errors = [("", "the file is not UTF-8 text (save it as CSV UTF-8)")]
        else:
            try:
                schedule = service.upload_schedule(
                    name=form.cleaned_data["name"], text=text, filename=upload.name,
                    acting=acting, description=form.cleaned_data["description"])
            except service.ScheduleError as exc:
                errors = exc.errors
            else:
                messages.success(request, f"Loaded {schedule.name}.")
                return redirect("billing:fee_schedule", pk=schedule.pk)
    return render(request, "billing/fee_schedules/upload_errors.html", {
        "form": form, "errors": errors}, status=400)


@require_http_methods(["POST"])
@require_acting(Role.HUB_ADMIN)
def contract_schedule(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = _choose_form(acting, request.POST)
    if not form.is_valid():
        messages.error(request, "Not saved: " + "; ".join(
            f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()))
        return redirect("billing:fee_schedules")
    contract = get_hub_contract(acting, form.cleaned_data["contract"])
    chosen = form.cleaned_data["fee_schedule"]
    schedule = reads.get_schedule(acting, int(chosen)) if chosen else None
    try:
        service.set_contract_billing(
            contract, fee_schedule=schedule,
            timely_filing_days=form.cleaned_data["timely_filing_days"],
            eligible_products=form.cleaned_data["eligible_products"], acting=acting)
    except service.ScheduleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Billing of {contract.code} saved.")
    return redirect("billing:fee_schedules")

"""Renewal review (`/reporting/renewal/...`): for a contract whose end is within its
renewal notice window, the scorecard history, ROI, barrier tally and action items on one
page, and the decision (renew, adjust, scale, wind down) recorded with its reasons; a
wind-down needs a member-transition plan. The contract's payer and hub only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from carehub.audit import services as audit
from carehub.reporting.forms.roi import DecisionForm
from carehub.reporting.selectors import roi as selectors
from carehub.reporting.services import roi as services
from carehub.reporting.views.roi import hidden_from, present
from carehub.tenancy.access import Acting, require_acting


@require_acting(*selectors.READERS)
def renewal_home(request: HttpRequest, acting: Acting) -> HttpResponse:
    today = timezone.localdate()
    contracts = [(c, selectors.renewal_window_opens(c), selectors.nearing_end(c, today))
                 for c in selectors.contracts_for(acting).filter(ends__isnull=False)
                 .order_by("ends", "code")]
    return render(request, "reporting/renewal/home.html", {"contracts": contracts})


@require_acting(*selectors.READERS)
def renewal_contract(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract = selectors.get_contract(acting, code)
    today = timezone.localdate()
    nearing = selectors.nearing_end(contract, today)
    may_decide = nearing and acting.has_role(*selectors.DEFINERS)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            return _page(request, acting, contract, form, status=403 if nearing else 400)
        if form.is_valid():
            try:
                services.record_decision(contract, acting=acting, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("reporting:renewal_contract", code=contract.code)
        return _page(request, acting, contract, form, status=400)
    return _page(request, acting, contract, form)


def _scorecard(acting: Acting, contract: Any, today: Any) -> dict[str, Any]:
    history = selectors.scorecard_history(acting, contract, today)
    # The charts module builds the SVG from escaped text only (reporting/charts.py).
    history["charts"] = [mark_safe(svg) for svg in history["charts"]]  # nosec B308 B703
    return history


def _page(request: HttpRequest, acting: Acting, contract: Any, form: DecisionForm, *,
          status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    latest = selectors.latest_result(acting, contract)
    audit.record("view", acting=acting, object_type="renewal_review", object_id=contract.code,
                 detail={"roi_run": getattr(latest, "pk", None)})
    nearing = selectors.nearing_end(contract, today)
    response = render(request, "reporting/renewal/contract.html", {
        "contract": contract, "nearing": nearing,
        "opens": selectors.renewal_window_opens(contract),
        "scorecard": _scorecard(acting, contract, today),
        "latest": latest, "suppressed": hidden_from(acting, latest),
        "result": present(latest.results) if latest and not hidden_from(acting, latest) else None,
        "barriers": selectors.barrier_tally(contract),
        "action_items": selectors.action_items(acting, contract),
        "active_members": selectors.active_members(contract),
        "decisions": selectors.decisions(acting, contract),
        "may_decide": nearing and acting.has_role(*selectors.DEFINERS), "form": form,
    })
    response.status_code = status
    return response

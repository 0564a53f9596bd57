"""ROI pages (`/reporting/roi/...`): a contract's latest estimate with its 95% interval and
the method in words, its runs, starting a run over the plan's extracts (a background
job), the social measures the partners define and their counts, and downloads.

The contract's payer (plan roles) and provider (hub roles) only; anyone else gets 404.
Only the plan starts runs (the extracts are its own)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from carehub.analytics import roi as roi_job
from carehub.analytics import roi_tables
from carehub.audit import services as audit
from carehub.jobs import selectors as job_selectors
from carehub.reporting.exports import FORMATS, table_download
from carehub.reporting.forms.roi import MeasureForm, RunForm
from carehub.reporting.models import RoiRun
from carehub.reporting.selectors import roi as selectors
from carehub.reporting.services import roi as services
from carehub.tenancy.access import Acting, require_acting

SOCIAL_MONTHS = 6
# Groups smaller than this are not shown outside the plan whose claims they come from
# (the small-cell rule of shared reporting).
SMALLEST_SHARED_GROUP = 11
# The seeds' figure, shown as context only, never as this contract's estimate.
CONTEXT_RETURN = ("One partnership described in the field guidance reported $2.36 returned "
                  "for every $1.00 paid. That is another program's figure, given for context; "
                  "it is not an estimate for this contract.")
SENTENCE = {"ed_per_1000": "ED visits per 1,000 member-years",
            "inpatient_per_1000": "inpatient stays per 1,000 member-years",
            "allowed_pmpm": "allowed cost per member per month"}


def _amount(value: str, unit: str) -> str:
    """"-115.99" -> "-$115.99", "1234.5" -> "1,234.5" (the unit after the sign)."""
    number = Decimal(value)
    return f"{'-' if number < 0 else ''}{unit}{abs(number):,}"


def _change(value: str, unit: str) -> str:
    """"-50.9" -> "50.9 lower than" (the words of a difference in differences)."""
    number = Decimal(value)
    if number == 0:
        return "the same as"
    return f"{unit}{abs(number):,} {'lower' if number < 0 else 'higher'} than"


def _shown(figures: dict[str, str], unit: str) -> dict[str, str]:
    return {k: _amount(figures[k], unit) for k in ("estimate", "low", "high")}


def present(result: dict[str, Any]) -> dict[str, Any]:
    """The result in the words and rows the pages show."""
    rows = []
    for measure in roi_job.MEASURES:
        did = result["did"][measure]
        unit = "$" if measure == "allowed_pmpm" else ""
        straddles = Decimal(did["low"]) <= 0 <= Decimal(did["high"])
        shown = _shown(did, unit)
        words = (f"From baseline to follow-up, the change in enrolled members' "
                 f"{SENTENCE[measure]} was {_change(did['estimate'], unit)} the comparison "
                 f"group's (difference in "
                 f"differences {shown['estimate']}; 95% interval {shown['low']} to "
                 f"{shown['high']}). ")
        words += ("The interval contains 0: these data cannot tell this difference from chance."
                  if straddles else "The interval does not contain 0.")
        rows.append({"measure": measure, "label": roi_job.MEASURE_LABELS[measure],
                     "enrolled": result["groups"]["enrolled"],
                     "comparison": result["groups"]["comparison"], "did": did, "shown": shown,
                     "straddles": straddles, "words": words})
    savings = result["savings"]
    per_dollar = savings.get("per_dollar")
    return {"rows": rows, "counts": result["counts"], "savings": savings,
            "savings_shown": _shown(savings, "$"),
            "per_dollar": per_dollar and _shown(per_dollar, "$"),
            "paid_shown": savings.get("paid") and _amount(savings["paid"], "$"),
            "method": roi_tables.method_in_words(result),
            "options": result["options"], "claims_through": result.get("claims_through"),
            "savings_straddle": Decimal(savings["low"]) <= 0 <= Decimal(savings["high"]),
            "context": CONTEXT_RETURN}


def hidden_from(acting: Acting, run: RoiRun | None) -> bool:
    """A result with a group under 11 members is shown to the plan only."""
    if run is None or not run.results or acting.organisation == run.payer:
        return False
    counts = run.results["counts"]
    return min(counts["enrolled_matched"], counts["comparison_matched"]) < SMALLEST_SHARED_GROUP


def _audit_view(acting: Acting, run: RoiRun | None, contract_code: str) -> None:
    audit.record("view", acting=acting, object_type="roi_result",
                 object_id=str(run.pk) if run else contract_code,
                 detail={"contract": contract_code})


@require_safe
@require_acting(*selectors.READERS)
def roi_home(request: HttpRequest, acting: Acting) -> HttpResponse:
    contracts = [(c, selectors.latest_result(acting, c)) for c in selectors.contracts_for(acting)]
    return render(request, "reporting/roi/home.html", {"contracts": contracts})


@require_safe
@require_acting(*selectors.READERS)
def roi_contract(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract = selectors.get_contract(acting, code)
    return render(request, "reporting/roi/contract.html",
                  _contract_context(request, acting, contract))


def _contract_context(request: HttpRequest, acting: Acting, contract: Any, *,
                      run_form: RunForm | None = None,
                      measure_form: MeasureForm | None = None) -> dict[str, Any]:
    latest = selectors.latest_result(acting, contract)
    _audit_view(acting, latest, contract.code)
    may_run = acting.has_role(*selectors.RUNNERS) and acting.organisation == contract.payer
    datasets = list(selectors.datasets_for(acting)) if may_run else []
    months, social = selectors.social_table(contract, SOCIAL_MONTHS, timezone.localdate())
    return {
        "contract": contract, "latest": latest, "suppressed": hidden_from(acting, latest),
        "result": present(latest.results) if latest and not hidden_from(acting, latest) else None,
        "runs": selectors.runs_for(acting, contract)[:10],
        "may_run": may_run, "datasets": datasets,
        "run_form": run_form or RunForm(datasets=datasets),
        "may_define": acting.has_role(*selectors.DEFINERS),
        "measure_form": measure_form or MeasureForm(),
        "social_months": months, "social": social,
    }


@require_POST
@require_acting(*selectors.RUNNERS)
def roi_start(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract = selectors.get_contract(acting, code)
    if acting.organisation != contract.payer:
        raise Http404("Not found")
    datasets = list(selectors.datasets_for(acting))
    form = RunForm(request.POST, datasets=datasets)
    if form.is_valid():
        dataset = next(d for d in datasets if d.pk == form.cleaned_data["dataset"])
        run = services.start_run(contract, dataset=dataset, options=form.options(),
                                 acting=acting)
        return redirect("reporting:roi_run", pk=run.pk)
    response = render(request, "reporting/roi/contract.html",
                      _contract_context(request, acting, contract, run_form=form))
    response.status_code = 400
    return response


@require_POST
@require_acting(*selectors.DEFINERS)
def measure_add(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract = selectors.get_contract(acting, code)
    form = MeasureForm(request.POST)
    if form.is_valid():
        try:
            services.define_measure(contract, acting=acting, **{
                k: form.cleaned_data[k] for k in ("name", "counts", "code", "unit")})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect(reverse("reporting:roi_contract", args=[contract.code]) + "#social")
    response = render(request, "reporting/roi/contract.html",
                      _contract_context(request, acting, contract, measure_form=form))
    response.status_code = 400
    return response


@require_safe
@require_acting(*selectors.READERS)
def roi_run(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    run = selectors.get_run(acting, pk)
    _audit_view(acting, run, run.contract.code)
    job = None
    if run.job_id is not None:
        job = job_selectors.visible_jobs(acting).filter(pk=run.job_id).first()
    return render(request, "reporting/roi/run.html", {
        "run": run, "contract": run.contract, "job": job, "suppressed": hidden_from(acting, run),
        "result": present(run.results) if run.results and not hidden_from(acting, run) else None})


@require_safe
@require_acting(*selectors.READERS)
def roi_export(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Not found")
    run = selectors.get_run(acting, pk)
    if not run.results or hidden_from(acting, run):
        raise Http404("Not found")
    audit.record("export", acting=acting, object_type="roi_result", object_id=str(run.pk),
                 detail={"contract": run.contract.code, "format": fmt})
    header, rows = roi_tables.result_rows(run.results)
    return table_download(f"roi-{run.contract.code}-{run.pk}", fmt, header, rows,
                          definitions=roi_tables.method_in_words(run.results))


@require_safe
@require_acting(*selectors.READERS)
def social_export(request: HttpRequest, acting: Acting, code: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Not found")
    contract = selectors.get_contract(acting, code)
    months, social = selectors.social_table(contract, SOCIAL_MONTHS, timezone.localdate())
    rows = [[m.name, m.get_counts_display(), m.code, m.unit, *counts, total]
            for m, counts, total in social]
    definitions = [(m.name, f"{m.get_counts_display()}: {m.code}, counted in {m.unit}")
                   for m, _, _ in social]
    return table_download(f"social-measures-{contract.code}", fmt,
                          ["measure", "counts", "code", "unit", *months, "contract to date"],
                          rows, definitions=definitions)

"""The scorecard pages: a contract's card for a period with its trend and splits, the
members behind a figure, the downloads, and the measure definitions.

Only the contract's parties see its scorecard (404 for anyone else). A CBO sees the
contract total with small cells suppressed (it holds only its own members' records) and
its own part in full; the "committee view" shows what is shared beyond the record
holders, with small cells suppressed, as the meeting pack does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.core.periods import add_months
from carehub.core.scorecard.card import STAGES, Card
from carehub.core.scorecard.measures import (
    COHORT_RULE,
    FILE_DELIVERIES,
    MEASURES,
    RATE_KEYS,
    STATUS_RULE,
    SUPPRESSION_RULE,
    definitions,
)
from carehub.core.scorecard.periods import Period, PeriodError, month_period, parse_period
from carehub.reporting import charts
from carehub.reporting.exports import FORMATS, table_download
from carehub.reporting.forms.scorecard import PeriodForm, initial_for
from carehub.reporting.selectors import scorecard as selectors
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import OrganisationKind, Role

READERS = (*roles.HUB, *roles.PLAN, Role.CBO_SUPERVISOR)
CARD_HEADER = ["Measure", "Numerator", "Denominator", "Rate", "Value", "Goal", "Status"]
TABLES = ("card", "trend", "split")
# Status badges: the word is always shown; the colour only repeats it.
BADGE = {"met": "good", "near": "warn", "over": "warn", "missed": "bad"}


def figure_rows(card: Card) -> list[dict[str, Any]]:
    return [{"f": f, "badge": BADGE.get(f.status, ""),
             "drill": f.measure.kind != "volume" and not f.suppressed} for f in card.figures]


def _contract(acting: Acting, code: str) -> Contract:
    with scopes_disabled():
        contract = Contract.objects.filter(code=code).first()
    if contract is None:
        raise Http404("Not found")
    selectors.check_party(acting, contract)
    return contract


def _is_cbo(acting: Acting) -> bool:
    return acting.organisation.kind == OrganisationKind.CBO


def default_period() -> Period:
    """Last month: the month a committee meeting looks back on."""
    return month_period(add_months(timezone.localdate().replace(day=1), -1))


def _period(request: HttpRequest, contract: Contract) -> Period:
    text = request.GET.get("period", "")
    if not text:
        return default_period()
    try:
        return parse_period(text, contract_start=contract.starts)
    except PeriodError:
        raise Http404("Not found") from None


def _shared(request: HttpRequest, acting: Acting) -> bool:
    return _is_cbo(acting) or request.GET.get("view") == "committee"


def _choice(value: str | None, options: tuple[str, ...], default: str) -> str:
    return value if value in options else default


def _row(f: Any) -> list[Any]:
    return [f.measure.name, f.numerator_text, f.denominator_text, f.rate_text,
            f.value_text, f.goal_text, f.status_word]


@require_acting(*READERS)
def index(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The contracts whose scorecard the organisation may read."""
    with scopes_disabled():
        contracts = [c for c in Contract.objects.order_by("code")
                     if selectors.is_party(acting.organisation, c)]
    return render(request, "reporting/scorecard/index.html", {"contracts": contracts})


@require_acting(*READERS)
def scorecard(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract = _contract(acting, code)
    if "kind" in request.GET:  # the picker: back to one canonical address per period
        form = PeriodForm(request.GET, contract_start=contract.starts)
        if form.is_valid():
            query = {"period": form.cleaned_data["period"].code}
            if request.GET.get("view") == "committee":
                query["view"] = "committee"
            return redirect(f"{request.path}?{urlencode(query)}")
        period = default_period()
    else:
        period = _period(request, contract)
        form = PeriodForm(initial=initial_for(period), contract_start=contract.starts)
    shared = _shared(request, acting)
    key = _choice(request.GET.get("measure"), RATE_KEYS, "outreach_rate")
    by = _choice(request.GET.get("by"), selectors.SPLITS, "cbo")
    trend = selectors.trend(acting, contract, period, 12, shared=shared)
    card = trend[-1]  # the trend ends with the period's own card
    own = (selectors.card(acting, contract, period, cbo=acting.organisation)
           if _is_cbo(acting) else None)
    split = selectors.split(acting, contract, period, by, shared=shared or by != "cbo")
    query = {"period": period.code, "measure": key, "by": by}
    if request.GET.get("view") == "committee":
        query["view"] = "committee"
    status = 400 if "kind" in request.GET else 200
    return render(request, "reporting/scorecard/card.html", {
        "contract": contract, "period": period, "form": form, "card": card, "own": own,
        "rows": figure_rows(card), "own_rows": figure_rows(own) if own else [],
        "split_rows": [(label, c.figure(key), BADGE.get(c.figure(key).status, ""))
                       for label, c in split],
        "shared": shared, "committee": request.GET.get("view") == "committee",
        "may_drill": acting.role in selectors.MEMBER_ROLES,
        "measure": next(m for m in MEASURES if m.key == key),
        "rate_measures": [m for m in MEASURES if m.key in RATE_KEYS],
        "by": by, "splits": [(k, selectors.SPLIT_LABELS[k]) for k in selectors.SPLITS],
        "split": split, "query": query, "query_text": urlencode(query),
        # The charts escape every text they draw (reporting.charts).
        "goal_bars": _svg(charts.goal_bars(card)),
        "trend_chart": _svg(charts.trend_chart(trend, key)),
        "split_chart": _svg(charts.split_chart(split, key)),
        "trend": trend,
        "file_deliveries_row": selectors.file_deliveries(acting, contract, period),
        "file_deliveries_measure": FILE_DELIVERIES,
    }, status=status)


@require_acting(*READERS)
def members(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    """The members behind one figure: audited, limited to those the viewer may see."""
    contract = _contract(acting, code)
    period = _period(request, contract)
    key = request.GET.get("measure", "assigned")  # by default: the whole cohort
    stage = request.GET.get("stage", "numerator")
    if key not in {m.key for m in MEASURES} or stage not in STAGES:
        raise Http404("Not found")
    if acting.role not in selectors.MEMBER_ROLES:
        raise Http404("Not found")
    found = selectors.members_behind(acting, contract, period, key, stage, request=request)
    back = reverse("reporting:scorecard", args=[contract.code]) + "?" + urlencode(
        {"period": period.code})
    return render(request, "reporting/scorecard/members.html", {
        "contract": contract, "period": period, "found": found, "stage": stage,
        "measure": next(m for m in MEASURES if m.key == key), "back": back})


def _svg(markup: str) -> SafeString:
    return mark_safe(markup)  # noqa: S308  # nosec B308 B703 # every text is escaped in charts


def _split_rows(split: list[tuple[str, Card]]) -> list[list[Any]]:
    return [[label, *_row(f)] for label, c in split for f in c.figures]


@require_acting(*READERS)
def download(request: HttpRequest, acting: Acting, code: str, table: str,
             fmt: str) -> HttpResponse:
    """The card, the trend or a split as CSV or Excel, definitions on a second sheet."""
    if table not in TABLES or fmt not in FORMATS:
        raise Http404("Not found")
    contract = _contract(acting, code)
    period = _period(request, contract)
    shared = _shared(request, acting)
    name = f"scorecard-{contract.code}-{period.code.replace('..', '_')}-{table}"
    if table == "card":
        card = selectors.card(acting, contract, period, shared=shared)
        return table_download(name, fmt, CARD_HEADER, [_row(f) for f in card.figures],
                              definitions=definitions())
    if table == "trend":
        cards = selectors.trend(acting, contract, period, 12, shared=shared)
        return table_download(name, fmt, ["Period", *CARD_HEADER],
                              [[c.period.code, *_row(f)] for c in cards for f in c.figures],
                              definitions=definitions())
    by = _choice(request.GET.get("by"), selectors.SPLITS, "cbo")
    split = selectors.split(acting, contract, period, by, shared=shared or by != "cbo")
    return table_download(f"{name}-{by}", fmt, [selectors.SPLIT_LABELS[by], *CARD_HEADER],
                          _split_rows(split), definitions=definitions())


@require_acting(*roles.EVERYONE)
def measures(request: HttpRequest, acting: Acting) -> HttpResponse:
    """What every measure means: the same words as the pack, the CLI and the exports."""
    return render(request, "reporting/scorecard/measures.html", {
        "measures": [*MEASURES, FILE_DELIVERIES], "cohort_rule": COHORT_RULE, "status_rule": STATUS_RULE,
        "suppression_rule": SUPPRESSION_RULE})

"""The CBO's billing page: its lines of a month in four sections (needs a fix, ready to
bill, submitted, paid), each failing line with what is wrong, the fix and a form to
correct it in place (htmx). Only the CBO's own lines; cards rather than wide tables, so it
works on a phone."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from carehub.billing.forms.lines import PERIOD, CorrectLineForm
from carehub.billing.selectors import lines as reads
from carehub.billing.services import lines as service
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

CBO_ROLES = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)
PAGE_SIZE = 25


def _period(request: HttpRequest, acting: Acting) -> tuple[str, list[str]]:
    periods = reads.cbo_periods(acting)
    chosen = request.GET.get("period", "")
    if chosen and not PERIOD.match(chosen):
        chosen = ""
    if not chosen:
        chosen = periods[0] if periods else timezone.localdate().strftime("%Y-%m")
    if chosen not in periods:
        periods = sorted({*periods, chosen}, reverse=True)
    return chosen, periods


@require_safe
@require_acting(*CBO_ROLES)
def cbo_billing(request: HttpRequest, acting: Acting) -> HttpResponse:
    period, periods = _period(request, acting)
    lines = reads.cbo_lines(acting, period)
    sections = []
    for key, title, statuses in reads.SECTIONS:
        page = Paginator(lines.filter(status__in=statuses), PAGE_SIZE).get_page(
            request.GET.get(f"{key}_page"))
        rows = list(page.object_list)
        if key == "fix":
            rows = [{"line": line, "form": CorrectLineForm(line=line)} for line in rows]
        else:
            rows = [{"line": line} for line in rows]
        sections.append({"key": key, "title": title, "page": page, "rows": rows})
    return render(request, "billing/cbo/page.html", {
        "period": period, "periods": periods, "sections": sections})


@require_POST
@require_acting(*CBO_ROLES)
def cbo_correct(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    line = reads.get_line(acting, pk)
    if line.cbo_id != acting.organisation.pk:
        raise Http404("Not found")
    form = CorrectLineForm(request.POST, line=line)
    error = ""
    if form.is_valid():
        changes = form.changes()
        if not changes:
            error = "Nothing was changed."
        else:
            try:
                service.correct_line(line, changes, acting)
            except service.LineError as exc:
                for name, message in exc.errors:
                    if name in form.fields:
                        form.add_error(name, message)
                    else:
                        error = message
    if request.htmx:  # type: ignore[attr-defined]
        if not form.errors and not error:
            form = CorrectLineForm(line=line)
        return render(request, "billing/cbo/_line.html", {
            "row": {"line": line, "form": form}, "error": error, "just_saved": not (
                form.errors or error)})
    return redirect(reverse("billing:cbo") + f"?period={line.period}")

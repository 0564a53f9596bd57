from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carehub.audit.forms import AuditFilterForm
from carehub.audit.selectors import events_for
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting


@require_acting(*roles.AUDIT_READERS)
def audit_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    events = events_for(acting.organisation, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/_rows.html" if request.headers.get("HX-Request") else "audit/list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})

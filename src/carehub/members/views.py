from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carehub.members import selectors
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting

MEMBER_ROLES = roles.STAFF


@require_acting(*MEMBER_ROLES)
def member_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:64]
    members = selectors.list_members(request, acting.organisation, query=query)
    return render(request, "members/list.html", {"members": members, "q": query})


@require_acting(*MEMBER_ROLES)
def member_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    member = selectors.get_member(request, acting.organisation, pk)
    spans = member.enrolment_spans.all()
    return render(request, "members/detail.html", {"member": member, "spans": spans})

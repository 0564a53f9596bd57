from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carehub.listing import Column, listing
from carehub.members import selectors
from carehub.members.filters import MemberFilterSet
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting

MEMBER_ROLES = roles.STAFF


COLUMNS = [Column("Name", "name"), Column("Member id", "member_id"),
           Column("Born", "born", "hide-sm"), Column("Product"),
           Column("County", "county", "hide-sm"), Column("Language", css="hide-sm"),
           Column("Phone")]


@require_acting(*MEMBER_ROLES)
def member_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    found = listing(request, MemberFilterSet, selectors.visible_members(acting.organisation),
                    COLUMNS)
    members = selectors.listed(request, acting.organisation, found.rows,
                               query=request.GET.get("q", "").strip()[:64])
    return render(request, "members/list.html", {"members": members, "listing": found})


@require_acting(*MEMBER_ROLES)
def member_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    member = selectors.get_member(request, acting.organisation, pk)
    spans = member.enrolment_spans.all()
    return render(request, "members/detail.html", {"member": member, "spans": spans})

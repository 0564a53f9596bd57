"""Reading members. Every read is audited with the member's id."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import HttpRequest

from carehub.audit import services as audit
from carehub.members.models import Member
from carehub.tenancy.models import Organisation


def visible_members(organisation: Organisation) -> QuerySet[Member]:
    return Member.objects.filter(access__organisation=organisation)


def member_counts_by_product(organisation: Organisation) -> dict[str, int]:
    """Aggregates only: no member is identified, so nothing to audit."""
    rows = visible_members(organisation).values("product").annotate(n=Count("id")).order_by("product")
    return {r["product"]: r["n"] for r in rows}


def list_members(request: HttpRequest, organisation: Organisation, *, query: str = "", limit: int = 50) -> list[Member]:
    qs = visible_members(organisation)
    if query:
        qs = qs.filter(last_name__istartswith=query) | qs.filter(member_id=query)
    members = list(qs.order_by("last_name", "first_name", "pk")[:limit])
    audit.record(
        "view", request=request, organisation=organisation, object_type="member_list",
        object_id=query or "*", detail={"member_ids": [m.pk for m in members]},
    )
    return members


def listed(request: HttpRequest, organisation: Organisation, members: list[Member], *,
           query: str = "") -> list[Member]:
    """A page of the member list, audited with the members shown."""
    audit.record(
        "view", request=request, organisation=organisation, object_type="member_list",
        object_id=query or "*", detail={"member_ids": [m.pk for m in members]},
    )
    return members


def get_member(request: HttpRequest, organisation: Organisation, pk: int) -> Member:
    from django.http import Http404

    member = visible_members(organisation).filter(pk=pk).first()
    if member is None:
        raise Http404("Not found")
    audit.record("view", request=request, organisation=organisation, object_type="member",
                 object_id=str(member.pk), member_id=member.pk)
    return member

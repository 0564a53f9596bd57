"""Routing a referral to a CBO: the directory's answer (coverage, service, language,
capacity), else the least-loaded CBO of the hub's network. A hub coordinator can always
override the choice."""

from __future__ import annotations

from django.db.models import Count, Q

from carehub.members.models import Member
from carehub.network.selectors import services_for_routing
from carehub.referrals.models import OPEN_STATES, Referral
from carehub.tenancy.models import Organisation


def route(hub: Organisation, member: Member, service_type: str,
          candidates: list[Organisation]) -> Organisation | None:
    allowed = {c.pk: c for c in candidates}
    if service_type:
        directory = services_for_routing(hub, service_type, county=member.county or None,
                                         zip=member.zip or None,
                                         language=member.language or None)
        for service in directory:
            org = service.organisation
            if org.pk in allowed and service.capacity_status != "closed":
                return allowed[org.pk]
    if not candidates:
        return None
    load = dict(Referral.objects.filter(organisation__in=candidates)
                .values_list("organisation_id")
                .annotate(n=Count("id", filter=Q(state__in=OPEN_STATES))))
    return min(candidates, key=lambda c: (load.get(c.pk, 0), c.name))

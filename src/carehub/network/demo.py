"""Demo directory: the hub's and all nine CBOs' services, sites, coverage and capacity.

Ids derive from the demo data's own ids, so re-running updates rather than duplicates.
A few entries are left unverified for over 90 days so the staleness flag shows.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from carehub.network.models import (
    Location,
    OrganisationProfile,
    Service,
    ServiceAtLocation,
    ServiceType,
)
from carehub.tenancy.models import Organisation

NAMESPACE = uuid.UUID("6f1d7a52-32a4-4c1e-9d49-0f4f3a7e2c11")


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def seed_organisation(org: Organisation, data: dict[str, Any], ctx: Any, index: int) -> int:
    OrganisationProfile.objects.update_or_create(
        organisation=org, defaults={"id": _id(data["id"]),
                                    "description": f"{data['name']}: community services in "
                                                   + ", ".join(data["coverage"]["counties"][:3])},
    )
    sites = []
    for site in data.get("sites", []):
        location, _ = Location.objects.update_or_create(
            id=_id(site["id"]), defaults={
                "organisation": org, "name": site["name"], "address_1": site["address"],
                "city": site["city"], "state_province": site["state"], "postal_code": site["zip"],
                "county": site["county"], "phone": site.get("phone", ""),
                "hours": "Monday to Friday, 9am to 5pm",
            })
        sites.append(location)
    admin = ctx.users.get("supervisor") if org in ctx.cbos[:1] else ctx.users.get("hubadmin")
    count = 0
    for j, spec in enumerate(data.get("services", [])):
        pattern = (index + j) % 7
        status = "waitlist" if pattern == 3 else "closed" if pattern == 6 else "accepting"
        # Most verified recently; every fifth entry last verified 120 days ago (stale).
        age = 120 if (index + j) % 5 == 4 else 5 + (index * 3 + j) % 60
        verified = timezone.make_aware(datetime.combine(ctx.today - timedelta(days=age), time(10)))
        service, _ = Service.objects.update_or_create(
            id=_id(data["id"], spec["service_type"]), defaults={
                "organisation": org,
                "service_type": ServiceType.objects.get(slug=spec["service_type"]),
                "name": spec["name"].split(" (")[0],
                "description": f"{spec['name']} from {data['name']}.",
                "languages": list(data.get("languages", [])),
                "coverage_counties": list(data["coverage"].get("counties", [])),
                "coverage_zips": list(data["coverage"].get("zips", [])),
                "eligibility_description": "Members of partner health plans referred through "
                                           "the hub.",
                "hours": "Monday to Friday, 9am to 5pm",
                "unit": spec.get("unit", ""),
                "capacity_per_month": spec.get("capacity_per_month"),
                "capacity_status": status,
                "waitlist_length": 4 + (index + j) % 9 if status == "waitlist" else None,
                "verified_at": verified, "verified_by": admin,
            })
        for location in sites:
            ServiceAtLocation.objects.update_or_create(
                service=service, location=location,
                defaults={"id": _id(data["id"], spec["service_type"], str(location.id))})
        count += 1
    return count


def seed(ctx: Any) -> None:
    data = ctx.network_data
    total = seed_organisation(ctx.hub, data["hub"], ctx, 0)
    by_slug = {c.slug: c for c in ctx.cbos}
    for index, cbo_data in enumerate(data["cbos"], start=1):
        total += seed_organisation(by_slug[cbo_data["id"]], cbo_data, ctx, index)
    ctx.log(f"directory: {total} services of {len(data['cbos'])} CBOs and the hub")

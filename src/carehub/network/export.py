"""Writing the directory as HSDS 3.0: compiled JSON per service and organisation, plus CSV."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django_scopes import scopes_disabled

from carehub.network import hsds
from carehub.network.hsds_tabular import flatten, write_package
from carehub.network.models import OrganisationProfile, Service


def _write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(tmp, path)


def export_directory(folder: Path, organisation_ids: list[int] | None = None) -> dict[str, int]:
    """Write `services/<id>.json`, `organizations/<id>.json` and `csv/*.csv` under `folder`."""
    with scopes_disabled():
        services = Service.objects.select_related("organisation", "service_type", "verified_by")
        if organisation_ids is not None:
            services = services.filter(organisation_id__in=organisation_ids)
        service_list = list(services.order_by("organisation__name", "name"))
        org_ids = sorted({s.organisation_id for s in service_list})
        profiles = [hsds.profile_for(s.organisation) for s in service_list]
        unique_profiles = {p.pk: p for p in profiles}
        if organisation_ids is not None:
            extra = OrganisationProfile.objects.filter(organisation_id__in=organisation_ids)
        else:
            extra = OrganisationProfile.objects.exclude(organisation_id__in=org_ids)
        for profile in extra.select_related("organisation"):
            unique_profiles.setdefault(profile.pk, profile)
        docs: list[tuple[str, dict[str, Any]]] = []
        for service in service_list:
            doc = hsds.service_document(service)
            _write_json(folder / "services" / f"{service.pk}.json", doc)
            docs.append(("service", doc))
        for profile in unique_profiles.values():
            doc = hsds.organization_document(profile)
            _write_json(folder / "organizations" / f"{profile.pk}.json", doc)
    write_package(folder / "csv", flatten(docs))
    return {"services": len(service_list), "organizations": len(unique_profiles)}

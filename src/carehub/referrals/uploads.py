"""Uploading a roster or a ranked eligible list from the browser, and a plan's
"refer to the hub". The checks and writes are those of `carehub import_members`
(members.imports, members.services, referrals.bulk); this module only decides which
plans and hubs the acting organisation may use and runs the import in one transaction.
"""

from __future__ import annotations

import importlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from carehub.audit import services as audit
from carehub.members.imports import (
    ImportProblem,
    Table,
    parse_ranked_list,
    parse_roster,
    read_table,
)
from carehub.members.models import Member
from carehub.members.services import import_roster
from carehub.referrals.bulk import assign_ranked_list, save_ranked_list
from carehub.referrals.models import Referral
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind
from carehub.tenancy.rls import as_owner

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SUFFIXES = (".csv", ".parquet")


def _contract_model() -> Any | None:
    """The contracts app's Contract, when that app is installed."""
    try:
        return importlib.import_module("carehub.contracts.models").Contract
    except (ModuleNotFoundError, ImportError, AttributeError):
        return None


def plans_for(acting: Acting) -> list[Organisation]:
    """Plans the acting organisation may import for: a plan imports for itself; a hub for
    the plans it holds contracts with and the plans whose members are shared with it."""
    org = acting.organisation
    if org.kind == OrganisationKind.PAYER:
        return [org]
    if org.kind != OrganisationKind.HUB:
        return []
    ids = set(Member.objects.filter(access__organisation=org).values_list("plan_id", flat=True)
              .distinct())
    contract = _contract_model()
    if contract is not None:
        ids |= set(contract.objects.filter(provider=org).values_list("payer_id", flat=True))
    return list(Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.PAYER,
                                            is_active=True).order_by("name"))


def hubs_for(acting: Acting) -> list[Organisation]:
    """Hubs that receive the acting organisation's referrals: a hub is its own; a plan's
    are the hubs it contracts with and the hubs already working its members."""
    org = acting.organisation
    if org.kind == OrganisationKind.HUB:
        return [org]
    if org.kind != OrganisationKind.PAYER:
        return []
    ids = set(Referral.objects.filter(plan=org, hub__isnull=False)
              .values_list("hub_id", flat=True).distinct())
    contract = _contract_model()
    if contract is not None:
        ids |= set(contract.objects.filter(payer=org).values_list("provider_id", flat=True))
    return list(Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.HUB,
                                            is_active=True).order_by("name"))


@dataclass
class UploadResult:
    kind: str
    name: str
    plan: Organisation
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ranked_list_id: int | None = None
    ranked_list_new: bool = False
    assigned: int | None = None
    skipped: list[tuple[str, int]] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "ranked_list": self.ranked_list_id,
                "ranked_list_new": self.ranked_list_new, "assigned": self.assigned,
                "skipped": dict(self.skipped)}


def _read_upload(upload: UploadedFile) -> tuple[Table, bytes]:
    """The upload's checked rows and bytes; its size is checked before anything is read,
    its chunks go straight to a temporary file (never joined in memory) and the rows are
    read from there, one at a time, by the same reader as the command line."""
    name = upload.name or "upload"
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise ImportProblem(name, [(0, "", f"the file is larger than "
                                           f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB")])
    folder = tempfile.TemporaryDirectory(prefix="carehub-upload-")
    path = Path(folder.name) / f"upload{Path(name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        rows = read_table(path)
    except ImportProblem as exc:  # name the user's file, not the temporary one
        folder.cleanup()
        raise ImportProblem(name, exc.errors) from None
    rows.keep(folder)  # the folder goes when the rows are no longer used
    return rows, path.read_bytes()


def run_upload(acting: Acting, *, kind: str, plan: Organisation, upload: UploadedFile,
               contract_code: str = "", service_code: str = "", service_type: str = "",
               hub: Organisation | None = None, assign: bool = False,
               request: Any = None) -> UploadResult:
    """Import the file for `plan`; raises ImportProblem (rows and columns) or ValueError,
    in which case nothing is saved."""
    name = Path(upload.name or "upload").name
    rows, data = _read_upload(upload)
    result = UploadResult(kind=kind, name=name, plan=plan, rows=len(rows))
    # The import writes members and grants for another organisation's rows (the plan's,
    # the network's), so it runs as the trusted service, like the command line does.
    with transaction.atomic(), as_owner():
        if kind == "roster":
            done = import_roster(plan, parse_roster(name, rows), actor=acting.user, source=name)
            result.created, result.updated, result.unchanged = (done.created, done.updated,
                                                                done.unchanged)
        else:
            if not (contract_code and service_code):
                raise ValueError("A ranked list needs a contract code and a service code.")
            ranked, made = save_ranked_list(
                plan, parse_ranked_list(name, rows), name=name, contract_code=contract_code,
                service_code=service_code, service_type=service_type, hub=hub,
                source_bytes=data, actor=acting.user)
            result.ranked_list_id, result.ranked_list_new = ranked.pk, made
            if assign:
                if hub is None:
                    raise ValueError("Choose the hub whose network receives the referrals.")
                cbos = list(network_cbos(hub).order_by("name"))
                if not cbos:
                    raise ValueError(f"{hub.name}'s network has no CBO to assign to.")
                if ranked.hub_id is None:
                    ranked.hub = hub
                    ranked.save(update_fields=["hub"])
                elif ranked.hub_id != hub.pk:
                    raise ValueError("This list was already stored for another hub.")
                assigned = assign_ranked_list(ranked, cbos, actor=acting.user,
                                              acting_org=acting.organisation)
                result.assigned = assigned.created
                result.skipped = [
                    ("already referred for this service", assigned.already_owned),
                    ("not selected on the list", assigned.not_selected),
                    ("asked not to be contacted", assigned.do_not_contact)]
        audit.record("create" if result.created or result.ranked_list_new or result.assigned
                     else "update", request=request, actor=acting.user,
                     organisation=acting.organisation, object_type=f"{kind}_upload",
                     object_id=name, detail={"plan": plan.pk, **result.counts()})
    return result

"""Uploading a roster or a ranked eligible list from the browser, and a plan's
"refer to the hub". This module decides which plans and hubs the acting organisation may
use and starts the import job (`start_upload`); the job checks and writes as
`carehub import_members` does (members.tasks, referrals.tasks).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from carehub.contracts import selectors as contract_selectors
from carehub.jobs.models import Job
from carehub.members.imports import (
    ImportProblem,
    Table,
    read_table,
)
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SUFFIXES = (".csv", ".parquet")


def plans_for(acting: Acting) -> list[Organisation]:
    """Plans whose roster and ranked lists the acting organisation may write: a plan its
    own; a hub those paying it under a contract in effect that allows hub uploads."""
    org = acting.organisation
    if org.kind == OrganisationKind.PAYER:
        return [org]
    if org.kind != OrganisationKind.HUB:
        return []
    return list(contract_selectors.payers_in_effect(org, uploads=True))


def hubs_for(acting: Acting) -> list[Organisation]:
    """Hubs that may receive the acting organisation's referrals: a hub is its own; a
    plan's are the hubs it pays under a contract in effect (both sides accepted)."""
    org = acting.organisation
    if org.kind == OrganisationKind.HUB:
        return [org]
    if org.kind != OrganisationKind.PAYER:
        return []
    return list(contract_selectors.providers_in_effect(org, kind=OrganisationKind.HUB))


def plans_working_with(hub: Organisation) -> list[Organisation]:
    """Plans paying `hub` under a contract in effect: whose members it may refer on."""
    return list(contract_selectors.payers_in_effect(hub))


class NotAllowed(ValueError):
    """The acting organisation has no accepted relationship for this upload."""


def check_upload(acting: Acting, plan: Organisation, hub: Organisation | None) -> None:
    """Refuse an upload outside the acting organisation's accepted relationships. The
    message is the same whatever exists elsewhere."""
    if plan.pk not in {p.pk for p in plans_for(acting)}:
        raise NotAllowed("You may not upload for this plan.")
    if hub is not None:
        if hub.pk not in {h.pk for h in hubs_for(acting)}:
            raise NotAllowed("You may not send referrals to this hub.")
        if contract_selectors.contract_in_effect_between(plan, hub) is None:
            raise NotAllowed(f"{plan.name} and {hub.name} have no contract in effect.")


def check_contract_code(plan: Organisation, hub: Organisation | None, code: str) -> None:
    """A contract code typed on a form must name a contract in effect between the plan and
    the hub (or, with no hub, one the plan pays under); the same answer whatever exists
    elsewhere."""
    if not code:
        return
    if hub is not None:
        found = contract_selectors.contract_in_effect_between(plan, hub, code=code) is not None
        where = f"between {plan.name} and {hub.name}"
    else:
        found = contract_selectors.contracts_in_effect(plan).filter(payer=plan, code=code).exists()
        where = f"paid by {plan.name}"
    if not found:
        raise NotAllowed(f"There is no contract {code} in effect {where}.")


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


def start_upload(acting: Acting, *, kind: str, plan: Organisation, upload: UploadedFile,
                 contract_code: str = "", service_code: str = "", service_type: str = "",
                 hub: Organisation | None = None, assign: bool = False,
                 chunk: int | None = None) -> Job:
    """Check what can be checked at once (the relationship, the codes, the size) and start
    the import as a job (`members.roster_import` or `referrals.ranked_import`): the file
    is kept in the job's folder, its rows are checked and saved by the job, whose page
    shows the progress and, at the end, the counts or every row problem. ValueError
    (NotAllowed) when the acting organisation may not upload this."""
    from carehub.jobs import services as jobs
    from carehub.members import jobfiles
    from carehub.members.tasks import KIND as ROSTER_KIND
    from carehub.members.tasks import roster_import_task
    from carehub.referrals.tasks import RANKED_KIND, ranked_import_task

    if acting.organisation.kind == OrganisationKind.HUB:
        hub = acting.organisation  # a hub's list is always its own
    check_upload(acting, plan, hub)
    name = Path(upload.name or "upload").name
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise ValueError(f"{name}: the file is larger than "
                         f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    params: dict[str, Any] = {**jobfiles.upload_params(upload), "plan": plan.pk,
                              "upload": True}
    if chunk:
        params["chunk"] = chunk
    if kind == "roster":
        task, job_kind, title = roster_import_task, ROSTER_KIND, f"Roster import: {name}"
    else:
        if not (contract_code and service_code):
            raise ValueError("A ranked list needs a contract code and a service code.")
        check_contract_code(plan, hub, contract_code)
        if assign:
            if hub is None:
                raise ValueError("Choose the hub whose network receives the referrals.")
            if not network_cbos(hub).exists():
                raise ValueError(f"{hub.name}'s network has no CBO to assign to.")
        params.update(contract_code=contract_code, service_code=service_code,
                      service_type=service_type, hub=hub.pk if hub else None, assign=assign)
        task, job_kind = ranked_import_task, RANKED_KIND
        title = f"Ranked list import{' and assignment' if assign else ''}: {name}"
    with transaction.atomic():
        job = jobs.start_job(task, kind=job_kind, title=title, acting=acting, params=params)
        # In the job's transaction: should the copy fail, the job never existed.
        jobfiles.keep_upload(job, upload)
    return job

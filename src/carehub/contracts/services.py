"""Writing contracts; each write is audited. Cross-organisation rows (a contract's parties)
are written as the owner role, since a new contract is not yet visible to anyone."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts import checklist
from carehub.contracts.models import (
    STAGE_ORDER,
    Acceptance,
    ChecklistItem,
    Contract,
    ContractContact,
    ContractParty,
    DataSharingTerm,
    Departure,
    DepartureStart,
    EscalationLevel,
    LifecycleTask,
    PartyRole,
    ServiceDefinition,
    Stage,
    TaskKind,
    TermsVersion,
)
from carehub.core.periods import add_months
from carehub.core.terms import TermsError, load_terms, parse_terms_text
from carehub.network.changes import changed_fields
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Membership, Organisation, Role
from carehub.tenancy.rls import as_owner

# Pre-launch tasks every contract starts with: (kind, title, owner role).
DEFAULT_PRELAUNCH_TASKS = [
    (TaskKind.CREDENTIALING, "Credentialing of CBO staff", Role.HUB_ADMIN),
    (TaskKind.TRAINING, "CBO and health plan staff trainings", Role.HUB_ADMIN),
    (TaskKind.DATA_SECURITY, "Data security review", Role.PAYER_MANAGER),
    (TaskKind.IT_ONBOARDING, "Onboarding of technology access and interfaces", Role.HUB_ADMIN),
    (TaskKind.WORKFLOW_TESTING, "Develop and test referral, reporting and billing workflows",
     Role.HUB_ADMIN),
    (TaskKind.PREPAYMENT, "Release of pre-payment funds", Role.PAYER_MANAGER),
]
IMPLEMENTATION_ON = STAGE_ORDER.index(Stage.IMPLEMENTATION)


class StageBlocked(Exception):
    """A move the checklist does not allow; `.missing` are the missing required rows."""

    def __init__(self, missing: list[checklist.Row]) -> None:
        self.missing = missing
        super().__init__("Missing required provisions: " + "; ".join(r.item.text for r in missing))


@dataclass
class TermsProblem(Exception):
    errors: list[tuple[str, str]]


def checklist_rows(contract: Contract) -> list[checklist.Row]:
    items = checklist.items_from_models(ChecklistItem.objects.all())
    return checklist.compute(items, checklist.snapshot_of(contract))


class NotYours(Exception):
    """The acting organisation may not decide this proposal (not an undecided party)."""


def sync_parties(contract: Contract) -> None:
    """Keep `ContractParty` in step with the contract's payer, provider and delivering CBOs.

    Called by every service that saves a contract's parties (creating it, changing its
    delivering CBOs); there is no signal, so a write elsewhere must call it too.
    """
    wanted: dict[int, str] = {}
    with scopes_disabled(), as_owner():
        # A CBO leaving the contract stays a party while its open referrals finish.
        for cbo_id in Departure.objects.filter(contract=contract, left_at__isnull=True) \
                .values_list("organisation_id", flat=True):
            wanted[cbo_id] = PartyRole.LEAVING
    for cbo_id in contract.delivering_cbos.values_list("pk", flat=True):
        wanted[cbo_id] = PartyRole.DELIVERING
    wanted[contract.provider_id] = PartyRole.PROVIDER
    wanted[contract.payer_id] = PartyRole.PAYER
    # Parties span organisations: a trusted write, like the audit chain.
    with scopes_disabled(), as_owner():
        ContractParty.objects.filter(contract=contract).exclude(organisation_id__in=wanted).delete()
        for org_id, role in wanted.items():
            # A new payer or provider is only invited (it accepts through
            # `decide_contract`); a delivering CBO's part is decided by the contract being
            # in effect and its membership of the hub's network.
            status = (Acceptance.ACCEPTED if role in (PartyRole.DELIVERING, PartyRole.LEAVING)
                      else Acceptance.PROPOSED)
            ContractParty.objects.update_or_create(
                contract=contract, organisation_id=org_id, defaults={"role": role},
                create_defaults={"role": role, "status": status},
            )


@transaction.atomic
def create_contract(contract: Contract, delivering: Any = (), *, acting: Acting) -> Contract:
    """Propose a contract. The proposing organisation (the acting one; for work without
    one, the acting user's organisation among payer and provider) is accepted at once;
    the other side is invited and the contract is not in effect until it accepts."""
    user = acting.user
    proposer = acting.organisation or _proposer_of(user, contract)
    if proposer.pk not in (contract.payer_id, contract.provider_id):
        raise ValueError("The proposing organisation must be the payer or the provider.")
    with as_owner():
        contract.save()
        contract.delivering_cbos.set(delivering)
        sync_parties(contract)
        ensure_prelaunch_tasks(contract)
        ContractParty.objects.filter(contract=contract, organisation=proposer).update(
            status=Acceptance.ACCEPTED, decided_at=timezone.now(),
            decided_by=user if getattr(user, "pk", None) else None)
    audit.record("create", acting=acting, organisation=proposer,
                 object_type="contract", object_id=contract.code,
                 detail={"proposed_by": proposer.pk, "payer": contract.payer_id,
                         "provider": contract.provider_id})
    return contract


def _proposer_of(user: Any, contract: Contract) -> Organisation:
    orgs = set(Membership.objects.filter(
        user=user, is_active=True,
        organisation_id__in=[contract.payer_id, contract.provider_id])
        .values_list("organisation_id", flat=True))
    if len(orgs) != 1:
        raise ValueError("Name the proposing organisation: the payer or the provider.")
    return Organisation.objects.get(pk=orgs.pop())


@transaction.atomic
def decide_contract(contract: Contract, accept: bool, *, acting: Acting) -> ContractParty:
    """The invited payer or provider accepts (countersigns) or declines. Audited.

    Only an undecided payer or provider party may decide; the row is locked so two
    clicks decide once. The write is the organisation's own party row (row-level
    security allows it without stepping out of the tenant role)."""
    org = acting.organisation
    with scopes_disabled():
        party = (ContractParty.objects.select_for_update()
                 .filter(contract=contract, organisation=org,
                         role__in=[PartyRole.PAYER, PartyRole.PROVIDER]).first())
        if party is None or party.status != Acceptance.PROPOSED:
            raise NotYours("This contract has no proposal waiting for your organisation.")
        party.status = Acceptance.ACCEPTED if accept else Acceptance.DECLINED
        party.decided_at = timezone.now()
        party.decided_by = acting.user
        party.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record("update", acting=acting,
                 object_type="contract_party", object_id=contract.code,
                 detail={"decision": party.status, "role": party.role})
    return party


@transaction.atomic
def set_hub_may_upload(contract: Contract, allowed: bool, *, acting: Acting) -> Contract:
    """The payer's permission for the provider hub to upload its roster and ranked
    lists. Only the accepted payer sets it."""
    with scopes_disabled():
        payer = ContractParty.objects.filter(contract=contract, organisation=acting.organisation,
                                             role=PartyRole.PAYER,
                                             status=Acceptance.ACCEPTED).first()
    if payer is None:
        raise NotYours("Only the plan that pays under this contract sets this.")
    before = contract.hub_may_upload_members
    contract.hub_may_upload_members = allowed
    contract.save(update_fields=["hub_may_upload_members", "updated_at"])
    audit.record("update", acting=acting,
                 object_type="contract", object_id=contract.code,
                 detail={"changed": "hub_may_upload_members", "from": before, "to": allowed})
    return contract


def ensure_prelaunch_tasks(contract: Contract) -> None:
    existing = set(contract.tasks.filter(stage=Stage.PRE_LAUNCH).values_list("kind", flat=True))
    for kind, title, owner in DEFAULT_PRELAUNCH_TASKS:
        if kind not in existing:
            LifecycleTask.objects.create(contract=contract, stage=Stage.PRE_LAUNCH, kind=kind,
                                         title=title, owner_role=owner)


@transaction.atomic
def save_contract(contract: Contract, what: str = "scope of work", *, acting: Acting) -> Contract:
    """Save the contract's own fields; the audit names the fields that changed."""
    fields = changed_fields(contract)
    contract.save()
    sync_parties(contract)
    audit.record("update", acting=acting, object_type="contract",
                 object_id=contract.code, detail={"changed": what, "fields": fields})
    return contract


# Audit object types of the rows a scope of work's formsets write.
SCOPE_ROW_TYPES = {
    "services": "contract_service_definition",
    "escalation": "contract_escalation_level",
    "contacts": "contract_contact",
    "data": "contract_data_sharing",
}


@transaction.atomic
def save_scope(contract: Contract, formsets: dict[str, Any], *, acting: Acting) -> Contract:
    """Save the scope of work: the contract's fields and its rows (`formsets`, valid and
    keyed as SCOPE_ROW_TYPES). Each row added, changed or removed is its own audit event."""
    save_contract(contract, acting=acting)
    for key, formset in formsets.items():
        save_rows(contract, formset, SCOPE_ROW_TYPES[key], acting=acting)
    return contract


@transaction.atomic
def save_rows(contract: Contract, formset: Any, object_type: str, *, acting: Acting) -> None:
    """Save a valid inline formset of `contract`'s rows and audit every row it touched."""
    # Deleting clears a row's pk, so note the ids first.
    deleted = [str(form.instance.pk) for form in formset.deleted_forms if form.instance.pk]
    formset.save()
    for obj in formset.new_objects:
        audit.record("create", acting=acting, object_type=object_type,
                     object_id=str(obj.pk), detail={"contract": contract.code, **_row(obj)})
    for obj, fields in formset.changed_objects:
        audit.record("update", acting=acting, object_type=object_type,
                     object_id=str(obj.pk), detail={"contract": contract.code, "fields": fields,
                                                    **_row(obj)})
    for pk in deleted:
        audit.record("delete", acting=acting, object_type=object_type,
                     object_id=pk, detail={"contract": contract.code})


def _row(obj: Any) -> dict[str, Any]:
    """Short identifying values of a scope row (an escalation level's whole content)."""
    if isinstance(obj, EscalationLevel):
        return {"level": obj.level, "role": obj.role, "response_hours": obj.response_hours,
                "organisation": obj.organisation_id}
    if isinstance(obj, ServiceDefinition):
        return {"code": obj.code}
    if isinstance(obj, ContractContact):
        return {"aspect": obj.aspect}
    if isinstance(obj, DataSharingTerm):
        return {"direction": obj.direction}
    return {}


@transaction.atomic
def move_stage(contract: Contract, stage: str, *, acting: Acting) -> Contract:
    """Move to `stage`; implementation and later need every required provision present."""
    if stage not in STAGE_ORDER:
        raise ValueError(f"unknown stage {stage!r}")
    if STAGE_ORDER.index(stage) >= IMPLEMENTATION_ON:
        missing = checklist.missing_required(checklist_rows(contract))
        if missing:
            raise StageBlocked(missing)
    before = contract.stage
    contract.stage = stage
    contract.save(update_fields=["stage", "updated_at"])
    if stage == Stage.PRE_LAUNCH:
        ensure_prelaunch_tasks(contract)
    audit.record("update", acting=acting, object_type="contract",
                 object_id=contract.code, detail={"stage": [before, stage]})
    return contract


def renewal_prompt_date(contract: Contract) -> date | None:
    if contract.ends is None:
        return None
    return add_months(contract.ends, -int(contract.renewal_notice_months))


def renewal_due(contract: Contract, today: date) -> bool:
    """Renewal discussions should be under way: within the notice window, not yet ended."""
    prompt = renewal_prompt_date(contract)
    return (prompt is not None and contract.ends is not None and prompt <= today <= contract.ends
            and contract.stage in (Stage.IMPLEMENTATION, Stage.PRE_LAUNCH))


def ensure_renewal_task(contract: Contract, today: date, *,
                        acting: Acting) -> LifecycleTask | None:
    """The contract's current renewal task, created if due (see `prompt_renewal`)."""
    prompt_renewal(contract, today, acting=acting)
    return current_renewal_task(contract)


def current_renewal_task(contract: Contract) -> LifecycleTask | None:
    """The renewal task of the contract's current term, if there is one.

    One per term: a task still open, or one due on or after this term's prompt date.
    A done task from an earlier term (the contract since extended) does not count.
    """
    prompt = renewal_prompt_date(contract)
    tasks = LifecycleTask.objects.filter(contract=contract, kind=TaskKind.RENEWAL)
    if prompt is not None:
        tasks = tasks.filter(Q(done_at__isnull=True) | Q(due__gte=prompt))
    return tasks.order_by("-due", "-pk").first()


@transaction.atomic
def prompt_renewal(contract: Contract, today: date, *, acting: Acting) -> LifecycleTask | None:
    """Create the renewal discussion task once, when the contract enters its notice window.

    Returns the task if this call created it, None otherwise (not due, or already
    there), so a nightly job and every page view can call it safely. Audited on creation.
    """
    if not renewal_due(contract, today):
        return None
    # Lock the contract row: two simultaneous page views must not both create a task.
    Contract._base_manager.select_for_update().filter(pk=contract.pk).first()
    if current_renewal_task(contract) is not None:
        return None
    task = LifecycleTask.objects.create(
        contract=contract, kind=TaskKind.RENEWAL, stage=Stage.RENEWAL,
        title="Begin renewal discussions", owner_role=Role.HUB_ADMIN,
        due=renewal_prompt_date(contract),
    )
    audit.record("create", acting=acting,
                 object_type="contract_task", object_id=str(task.pk),
                 detail={"contract": contract.code, "kind": task.kind,
                         "reason": "renewal notice", "ends": str(contract.ends)})
    return task


def prompt_all_renewals(today: date) -> list[LifecycleTask]:
    """Renewal tasks created for every contract now in its notice window (nightly job);
    each is created and audited as the work of the contract's provider (`Acting.system`)."""
    created = []
    for contract in Contract.objects.filter(ends__isnull=False).select_related("provider"):
        task = prompt_renewal(contract, today, acting=Acting.system(contract.provider))
        if task is not None:
            created.append(task)
    return created


@transaction.atomic
def add_task(contract: Contract, task: LifecycleTask, *, acting: Acting) -> LifecycleTask:
    task.contract = contract
    task.save()
    audit.record("create", acting=acting, object_type="contract_task",
                 object_id=str(task.pk), detail={"contract": contract.code, "kind": task.kind,
                                                 "stage": task.stage})
    return task


@transaction.atomic
def update_task(task: LifecycleTask, *, acting: Acting) -> LifecycleTask:
    """Save an edited task (title, stage, kind, owner, due date); audit the changed fields."""
    fields = changed_fields(task, ["stage", "kind", "title", "owner_role", "due"])
    task.save()
    audit.record("update", acting=acting, object_type="contract_task",
                 object_id=str(task.pk), detail={"contract": task.contract.code,
                                                 "fields": fields})
    return task


@transaction.atomic
def set_task_done(task: LifecycleTask, done: bool, *, acting: Acting) -> None:
    task.done_at = timezone.now() if done else None
    task.done_by = acting.user if done else None
    task.save(update_fields=["done_at", "done_by"])
    audit.record("update", acting=acting, object_type="contract_task",
                 object_id=str(task.pk), detail={"done": done, "contract": task.contract.code})


# -- terms ----------------------------------------------------------------------------
def validate_terms_text(text: str, filename: str) -> dict[str, Any]:
    """The terms as plain data, or TermsProblem with every error and its path."""
    try:
        parse_terms_text(text, filename)
    except TermsError as exc:
        raise TermsProblem(list(exc.errors)) from None
    data = json.loads(text) if filename.endswith(".json") else yaml.safe_load(text)
    load_terms(data)
    return json.loads(json.dumps(data, default=str))


@transaction.atomic
def add_terms_version(contract: Contract, text: str, filename: str = "terms.yaml",
                      effective: date | None = None, note: str = "", *,
                      acting: Acting) -> TermsVersion:
    document = validate_terms_text(text, filename)
    if document.get("contract") != contract.code:
        raise TermsProblem([("contract", f"must be {contract.code}, this contract's id, "
                                         f"got {document.get('contract')!r}")])
    when = effective or date.fromisoformat(str(document["effective"]))
    number = (contract.terms_versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = TermsVersion.objects.create(
        contract=contract, version=number, effective=when, document=document,
        source_text=text, source_filename=filename, note=note, created_by=acting.user,
    )
    audit.record("create", acting=acting, object_type="contract_terms",
                 object_id=f"{contract.code} v{number}", detail={"effective": when.isoformat()})
    return version


def canonical_terms(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, default_flow_style=False)


def terms_diff(older: TermsVersion, newer: TermsVersion) -> list[str]:
    """A unified diff of two versions' terms, keys sorted so only real changes show."""
    return list(difflib.unified_diff(
        canonical_terms(older.document).splitlines(), canonical_terms(newer.document).splitlines(),
        fromfile=f"v{older.version} (from {older.effective})",
        tofile=f"v{newer.version} (from {newer.effective})", lineterm="",
    ))


@transaction.atomic
def save_credential(credential: Any, *, acting: Acting) -> Any:
    """Record a credential, or save an edited one (a renewal: new dates, new number)."""
    creating = credential._state.adding
    fields = [] if creating else changed_fields(
        credential, ["staff_id", "kind", "name", "identifier", "issued", "expires"])
    credential.save()
    detail: dict[str, Any] = {"staff": credential.staff_id, "expires": str(credential.expires)}
    if not creating:
        detail["fields"] = fields
    audit.record("create" if creating else "update", acting=acting,
                 object_type="staff_credential", object_id=str(credential.pk), detail=detail)
    return credential


@transaction.atomic
def save_contract_details(contract: Contract, delivering: Any, *, acting: Acting) -> Contract:
    """Save name, dates, notice and delivering CBOs; audit the fields and CBOs changed."""
    fields = changed_fields(contract, ["name", "signed_on", "starts", "ends",
                                       "renewal_notice_months", "max_outreach_attempts"])
    from carehub.contracts import departures

    before = set(contract.delivering_cbos.values_list("pk", flat=True))
    wanted = {c.pk for c in delivering}
    contract.save()
    if wanted - before:
        # The delivering CBOs decide who may see the contract: a trusted write.
        with as_owner():
            contract.delivering_cbos.add(*(wanted - before))
    sync_parties(contract)
    audit.record("update", acting=acting, object_type="contract",
                 object_id=contract.code, detail={
                     "changed": "contract details", "fields": fields,
                     "delivering_added": sorted(wanted - before),
                     "delivering_removed": sorted(before - wanted)})
    # A removed CBO leaves through a departure: it keeps its open referrals until the
    # hub reroutes them or they finish.
    for cbo in Organisation.objects.filter(pk__in=before - wanted).order_by("name"):
        departures.start(contract, cbo, started_by=DepartureStart.HUB, acting=acting)
    return contract


def expiring_credentials(queryset: Any, today: date, days: int = 30) -> list[Any]:
    """Credentials that expire within `days` (or have expired): flagged to the supervisor."""
    from datetime import timedelta

    return [c for c in queryset if c.expires is not None and c.expires <= today + timedelta(days=days)]

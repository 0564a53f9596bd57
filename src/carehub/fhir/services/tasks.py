"""The referral workflow over FHIR: a source system's Task becomes a carehub referral,
the organisation doing the work moves it through its states, and a Procedure it sends
logs a service delivered.

Every write goes through the referral services the pages use (`place_referral`,
`transition`, `log_service`), so routing, the contract's rules, ownership, the
member's do-not-contact choice and the state machine apply to what arrives by FHIR
exactly as to what is typed on a page; each is audited with the acting partner system.

Refusals raise `FhirRefusal` with the HTTP status, the words and the FHIRPath of the
element at fault; the views answer it as an OperationOutcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date, parse_datetime
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition, Setting
from carehub.core.referral_states import CLOSE_REASON_LABELS, FHIR_TASK, CloseReason, State
from carehub.fhir.mapping import referral as mapping
from carehub.fhir.models.tasks import ProcedureRecord, ReferralLink
from carehub.members.models import Member
from carehub.referrals import services as referral_services
from carehub.referrals.models import Referral, ServiceDelivery
from carehub.referrals.selectors import active_consent, referrals_for
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind
from carehub.tenancy.roles import CBO

# Task.status values a new referral request may carry (the source has just asked).
NEW_REQUEST_STATUSES = ("requested", "ready", "draft")
UPDATABLE = ("requested", "received", "accepted", "rejected", "in-progress", "completed",
             "cancelled")
NAMED_BY_SOURCE = "chosen by the referral source's system (Task.owner)"


@dataclass
class FhirRefusal(Exception):
    """A request refused; `status` is the HTTP answer, `expression` the elements at
    fault (FHIRPath), `code` the OperationOutcome issue type."""

    status: int
    message: str
    expression: list[str] = field(default_factory=list)
    code: str = "processing"
    issues: list[dict[str, Any]] | None = None

    def __str__(self) -> str:
        return self.message


def invalid(message: str, *where: str, status: int = 422, code: str = "invalid") -> FhirRefusal:
    return FhirRefusal(status, message, list(where), code)


@dataclass
class Received:
    """What `receive_task` did: the link (and referral) and whether it is new."""

    link: ReferralLink
    created: bool


# --- inbound: a source system's Task -------------------------------------------------


def is_referral_request(task: dict[str, Any]) -> bool:
    """A Task asking for a new referral: TaskForReferralManagement's shape (intent order,
    code fulfill, a ServiceRequest focus) in a status of a request not yet worked on. The
    guide's other Tasks (accepted or completed ones, TaskForPatient) are not requests."""
    codes = {(c.get("system"), c.get("code"))
             for c in ((task.get("code") or {}).get("coding") or []) if isinstance(c, dict)}
    focus = str((task.get("focus") or {}).get("reference", ""))
    return (task.get("intent") == "order" and (mapping.TASK_CODE, "fulfill") in codes
            and (focus.startswith(("ServiceRequest/", "#", "urn:uuid:"))
                 or "/ServiceRequest/" in focus)
            and task.get("status") in NEW_REQUEST_STATUSES)


def identifier_key(resource: dict[str, Any]) -> str:
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("value"):
            return f"{ident.get('system', '')}|{ident['value']}"[:400]
    return ""


def existing_link(acting: Acting, task: dict[str, Any]) -> ReferralLink | None:
    """The link a Task already made (same identifier, or same id when it has none)."""
    links = ReferralLink.objects.select_related("referral").filter(
        organisation=acting.organisation)
    key = identifier_key(task)
    if key:
        return links.filter(source_task_identifier=key).first()
    if task.get("id"):
        return links.filter(source_task_id=str(task["id"])).first()
    return None


def _reference_id(reference: str, kind: str) -> str:
    ref = reference.strip()
    if ref.startswith(f"{kind}/"):
        return ref[len(kind) + 1:].split("/_history/")[0]
    marker = f"/{kind}/"
    if marker in ref:
        return ref.rsplit(marker, 1)[1].split("/_history/")[0]
    return ""


def find_in(resources: list[dict[str, Any]], reference: str, kind: str,
            contained: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The resource `reference` points at among those sent with it (a Bundle's entries
    by fullUrl or Type/id, or the Task's contained resources by #id)."""
    if reference.startswith("#"):
        return next((r for r in contained or [] if r.get("resourceType") == kind
                     and r.get("id") == reference[1:]), None)
    wanted = _reference_id(reference, kind)
    for r in resources:
        if r.get("resourceType") != kind:
            continue
        if wanted and r.get("id") == wanted:
            return r
        if r.get("_fullUrl") == reference:
            return r
    return None


def _visible_members(acting: Acting) -> Any:
    org = acting.organisation
    if org.kind == OrganisationKind.PAYER:
        return Member.objects.filter(plan=org)
    return Member.objects.filter(access__organisation=org).distinct()


def resolve_member(acting: Acting, task: dict[str, Any],
                   sent: list[dict[str, Any]]) -> Member:
    """The member Task.for names: by the plan's member id (an identifier on the reference
    or on the Patient sent with the Task), or carehub's own Patient id. Only members the
    acting organisation may see are found; anything else is one answer, naming Task.for."""
    ref = task.get("for") or {}
    if not isinstance(ref, dict) or not ref:
        raise invalid("The Task names no member (Task.for): give the Patient with the plan's "
                      "member id as its identifier.", "Task.for", code="required")
    identifiers: list[dict[str, Any]] = []
    if isinstance(ref.get("identifier"), dict):
        identifiers.append(ref["identifier"])
    reference = str(ref.get("reference", ""))
    patient = find_in(sent, reference, "Patient", task.get("contained")) if reference else None
    if patient is not None:
        identifiers.extend(i for i in patient.get("identifier") or [] if isinstance(i, dict))
    members = _visible_members(acting)
    for ident in identifiers:
        value = str(ident.get("value", "")).strip()
        if not value:
            continue
        found = list(members.filter(member_id=value)[:2])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise invalid(f"Member id {value} names members of more than one plan you work "
                          f"with; send the Patient's identifier with its plan's system.",
                          "Task.for")
    pk = _reference_id(reference, "Patient")
    if patient is None and pk.isdecimal() and len(pk) < 19:
        found_member = members.filter(pk=int(pk)).first()
        if found_member is not None:
            return found_member
    shown = next((str(i.get("value")) for i in identifiers if i.get("value")), reference)
    raise invalid(f"No member {shown or '(none given)'} that your organisation works with "
                  f"(Task.for): the Patient's identifier must be the plan's member id.",
                  "Task.for")


def _codings(concepts: Any) -> list[dict[str, Any]]:
    if isinstance(concepts, dict):
        concepts = [concepts]
    out: list[dict[str, Any]] = []
    for concept in concepts or []:
        if isinstance(concept, dict):
            out.extend(c for c in concept.get("coding") or [] if isinstance(c, dict))
    return out


def _contracts_for(acting: Acting, member: Member) -> list[Contract]:
    org = acting.organisation
    with scopes_disabled():
        rows = Contract.objects.filter(payer_id=member.plan_id)
        if org.kind == OrganisationKind.HUB:
            rows = rows.filter(provider=org)
        elif org.kind == OrganisationKind.PAYER:
            rows = rows.filter(payer=org, provider__kind=OrganisationKind.HUB)
        else:
            return []
        return list(rows.select_related("provider").order_by("code"))


def resolve_service(acting: Acting, member: Member,
                    request: dict[str, Any]) -> tuple[Contract, ServiceDefinition]:
    """The contract and service the ServiceRequest asks for: carehub's service code
    (urn:carehub:contract-service) or a SNOMED CT code carehub maps to a service type, and
    the contract (urn:carehub:contract, in supportingInfo or category) when more than one
    of the member's plan's contracts offers it."""
    contracts = _contracts_for(acting, member)
    if not contracts:
        raise invalid(f"{acting.organisation.name} has no contract for members of this plan, "
                      f"so it cannot make a referral for them.", "ServiceRequest.subject")
    wanted_contract = ""
    for info in request.get("supportingInfo") or []:
        ident = (info or {}).get("identifier") or {}
        if ident.get("system") == mapping.CONTRACT_SYSTEM and ident.get("value"):
            wanted_contract = str(ident["value"]).strip()
    for coding in _codings(request.get("category")):
        if coding.get("system") == mapping.CONTRACT_SYSTEM and coding.get("code"):
            wanted_contract = str(coding["code"]).strip()
    if wanted_contract:
        contracts = [c for c in contracts if c.code == wanted_contract]
        if not contracts:
            raise invalid(f"There is no contract {wanted_contract} for this member's plan "
                          f"with {acting.organisation.name}.", "ServiceRequest.supportingInfo")
    codes = _codings(request.get("code"))
    own = [str(c.get("code")).strip() for c in codes if c.get("system") == mapping.SERVICE_CODE_SYSTEM
           and c.get("code")]
    snomed = {str(c.get("code")) for c in codes if c.get("system") == mapping.SNOMED}
    kinds = {kind for kind, (code, _) in mapping.SNOMED_PROCEDURE.items() if code in snomed}
    categories = {str(c.get("code")) for c in _codings(request.get("category"))
                  if c.get("system") == mapping.TEMPORARY_CODES}
    kinds |= {kind for kind, (code, _) in mapping.SDOH_CATEGORY.items() if code in categories}
    with scopes_disabled():
        definitions = list(ServiceDefinition.objects.filter(contract__in=contracts)
                           .select_related("contract", "service_type").order_by("contract__code",
                                                                                "code"))
    if own:
        matches = [d for d in definitions if d.code in own]
    else:
        matches = [d for d in definitions if d.service_type.slug in kinds]
    if len(matches) == 1:
        return matches[0].contract, matches[0]
    offered = ", ".join(f"{d.contract.code} {d.code}" for d in definitions) or "none"
    if not matches:
        raise invalid(f"The ServiceRequest's code names no service of the contracts for this "
                      f"member's plan (offered: {offered}); send carehub's service code "
                      f"({mapping.SERVICE_CODE_SYSTEM}) or a code it maps.",
                      "ServiceRequest.code")
    raise invalid(f"The ServiceRequest's code fits more than one contracted service "
                  f"({', '.join(f'{d.contract.code} {d.code}' for d in matches)}); name the "
                  f"service ({mapping.SERVICE_CODE_SYSTEM}) and the contract "
                  f"({mapping.CONTRACT_SYSTEM} in supportingInfo).", "ServiceRequest.code")


def resolve_owner(task: dict[str, Any], hub: Organisation) -> Organisation | None:
    """The CBO the source named as owner, or None when it named the hub (or nobody):
    the hub's routing then decides."""
    ref = task.get("owner")
    if not ref:
        return None
    pk = _reference_id(str((ref or {}).get("reference", "")), "Organization")
    if pk == str(hub.pk):
        return None
    if not (pk.isdecimal() and len(pk) < 19):
        raise invalid("Task.owner must be Organization/<id> of the hub or of a CBO in its "
                      "network (or left out: the hub's routing chooses).", "Task.owner")
    with scopes_disabled():
        found = network_cbos(hub).filter(pk=int(pk)).first()
    if found is None:
        raise invalid(f"Organization/{pk} is not a CBO of {hub.name}'s network (Task.owner).",
                      "Task.owner")
    return found


def require_consent(member: Member, where: str) -> None:
    if active_consent(member.pk) is None:
        raise invalid("The member has no active data-sharing consent: carehub exchanges a "
                      "member's referral with other systems only under one (record it on "
                      "the member's page).", where, status=422, code="business-rule")


def check_shape(task: dict[str, Any]) -> None:
    """What a referral request must carry, before anything is looked up."""
    problems: list[tuple[str, str]] = []
    if task.get("intent") != "order":
        problems.append(("Task.intent", "Task.intent must be order."))
    if not task.get("authoredOn"):
        problems.append(("Task.authoredOn", "Task.authoredOn is required by "
                                            "TaskForReferralManagement."))
    if not (task.get("requester") or {}).get("reference"):
        problems.append(("Task.requester", "Task.requester (the Organization or "
                                           "PractitionerRole asking) is required."))
    task_id = str(task.get("id") or "")
    if task_id and mapping.OWN_ID.match(task_id):
        problems.append(("Task.id", f"Task.id {task_id} has the form of carehub's own ids; "
                                    f"give the Task another id."))
    if problems:
        raise FhirRefusal(422, " ".join(m for _, m in problems), [p for p, _ in problems],
                          "invalid", issues=[{"severity": "error", "code": "invalid",
                                              "diagnostics": m, "expression": [p]}
                                             for p, m in problems])


def receive_task(*, acting: Acting, task: dict[str, Any],
                 sent: list[dict[str, Any]] | None = None, client_id: str = "") -> Received:
    """Make a referral from a source system's Task and its ServiceRequest (sent in the
    same Bundle, or contained). The same Task sent again (same identifier, else same id)
    makes nothing new: the existing link is returned with `created` False."""
    others = list(sent or [])
    existing = existing_link(acting, task)
    if existing is not None:
        return Received(existing, False)
    check_shape(task)
    focus = str((task.get("focus") or {}).get("reference", ""))
    request = find_in(others, focus, "ServiceRequest", task.get("contained"))
    if request is None:
        raise invalid(f"The Task's ServiceRequest ({focus or 'Task.focus'}) must come with it: "
                      f"in the same transaction Bundle, or contained.", "Task.focus")
    org = acting.organisation
    if org.kind not in (OrganisationKind.HUB, OrganisationKind.PAYER):
        raise FhirRefusal(403, "Referrals are sent by a hub or a plan; a CBO's system updates "
                               "the Tasks it owns.", ["Task"], "forbidden")
    member = resolve_member(acting, task, others)
    contract, service = resolve_service(acting, member, request)
    hub = contract.provider
    owner = resolve_owner(task, hub)
    require_consent(member, "Task.for")
    source_id = str(task.get("id") or "") or f"source-{uuid.uuid4().hex[:24]}"
    try:
        with transaction.atomic():
            placement = referral_services.place_referral(
                member=member, hub=hub, contract=contract, service_code=service.code,
                organisation=owner, override_reason=NAMED_BY_SOURCE if owner else "",
                source="fhir", acting=acting)
            stored_task = {k: v for k, v in task.items() if k != "_fullUrl"}
            stored_task["id"] = source_id
            if not str((task.get("for") or {}).get("reference", "")).startswith("Patient/"):
                # A Bundle-local or logical reference: the member carehub found.
                stored_task["for"] = {**(task.get("for") or {}),
                                      "reference": f"Patient/{member.pk}"}
            link = ReferralLink.objects.create(
                referral=placement.referral, organisation=org, client_id=client_id[:100],
                source_task_id=source_id[:64], source_task_identifier=identifier_key(task),
                source_task=stored_task,
                source_service_request_id=str(request.get("id") or "")[:64],
                source_service_request={k: v for k, v in request.items() if k != "_fullUrl"})
            audit.record("create", object_type="fhir_task", object_id=source_id[:64],
                         acting=acting, member_id=member.pk,
                         detail={"referral": placement.referral.pk, "client_id": client_id,
                                 "routed_to": placement.referral.organisation_id})
    except referral_services.AlreadyOwned as exc:
        raise FhirRefusal(409, str(exc), ["Task.for"], "conflict") from None
    except referral_services.RuleRefused as exc:
        raise FhirRefusal(422, str(exc), ["Task"], "business-rule", issues=[
            {"severity": "error", "code": "business-rule", "diagnostics": p.message,
             "expression": ["Task"]} for p in exc.problems]) from None
    except referral_services.ReferralError as exc:
        raise FhirRefusal(422, str(exc), ["Task"], "business-rule") from None
    except IntegrityError:
        # The same Task sent twice at the same moment: the first one made the referral.
        again = existing_link(acting, task)
        if again is None:
            raise
        return Received(again, False)
    return Received(link, True)


# --- updates from the organisation doing the work ------------------------------------


def _close_reason(task: dict[str, Any]) -> str:
    reason = task.get("statusReason") or {}
    for coding in reason.get("coding") or []:
        if coding.get("system") == mapping.CLOSE_REASON_SYSTEM and coding.get("code"):
            return str(coding["code"])
    text = str(reason.get("text") or "").strip().casefold()
    for value, words in CLOSE_REASON_LABELS.items():
        if text in (value.value, words.casefold()):
            return value.value
    reasons = ", ".join(r.value for r in CloseReason)
    raise invalid(f"A cancelled Task needs its reason in Task.statusReason: a coding of "
                  f"{mapping.CLOSE_REASON_SYSTEM} or the words, one of {reasons}.",
                  "Task.statusReason")


def target_state(referral: Referral, task: dict[str, Any]) -> str | None:
    """The carehub state a PUT Task asks for (None: no change). carehub's own state code
    in businessStatus (urn:carehub:referral-state) is the exact ask; else Task.status is
    read with the referral's state: in-progress is enrolment after acceptance, then
    service."""
    status = task.get("status")
    if status not in UPDATABLE:
        allowed = ", ".join(UPDATABLE)
        raise invalid(f"Task.status {status!r} cannot be set here; the statuses are {allowed}.",
                      "Task.status")
    current = State(referral.state)
    for coding in (task.get("businessStatus") or {}).get("coding") or []:
        if coding.get("system") == mapping.STATE_SYSTEM and coding.get("code"):
            code = str(coding["code"])
            try:
                wanted = State(code)
            except ValueError:
                raise invalid(f"{code} is not a carehub referral state (businessStatus); they "
                              f"are {', '.join(s.value for s in State)}.",
                              "Task.businessStatus") from None
            if FHIR_TASK[wanted].status != status:
                raise invalid(f"businessStatus {code} goes with Task.status "
                              f"{FHIR_TASK[wanted].status}, not {status}.", "Task.status")
            return None if wanted is current else wanted.value
    if FHIR_TASK[current].status == status:
        return None
    by_status = {"accepted": State.ACCEPTED, "rejected": State.DECLINED,
                 "completed": State.COMPLETED, "cancelled": State.CLOSED}
    if status in by_status:
        return by_status[status].value
    if status == "in-progress":
        return (State.IN_SERVICE if current is State.ENROLLED else State.ENROLLED).value
    if status == "received":
        raise FhirRefusal(409, "Say which step of outreach the referral is at: "
                               f"businessStatus coded {mapping.STATE_SYSTEM} outreach, "
                               "contacted or screened (outreach needs an attempt recorded).",
                          ["Task.businessStatus"], "conflict")
    raise FhirRefusal(409, f"The referral is {current.value} (Task.status "
                           f"{FHIR_TASK[current].status}); it cannot go back to {status}.",
                      ["Task.status"], "conflict")


def update_task(*, acting: Acting, referral: Referral, version: int,
                task: dict[str, Any]) -> Referral:
    """Move the referral as the Task PUT by the organisation doing the work says:
    status (and businessStatus), statusReason for a rejection or a cancellation. The
    version is the If-Match the client read; the state machine decides, the page's rule
    for who may work a referral applies (its own organisation's workers)."""
    if referral.organisation_id != acting.organisation.pk or not acting.has_role(*CBO):
        raise FhirRefusal(403, f"Only {referral.organisation.name}'s workers change this "
                               f"referral's Task (it owns the work).", ["Task"], "forbidden")
    if referral.version != version:
        raise FhirRefusal(412, f"The Task has changed since version {version}; it is at "
                               f"version {referral.version}. Read it again and retry.",
                          ["Task.meta.versionId"], "conflict")
    goal = target_state(referral, task)
    if goal is None:
        return referral
    decline_reason = close_reason = ""
    if goal == State.DECLINED.value:
        decline_reason = str((task.get("statusReason") or {}).get("text") or "").strip()
        if not decline_reason:
            raise invalid("A rejected Task needs the member's reason in Task.statusReason.text.",
                          "Task.statusReason")
    if goal == State.CLOSED.value:
        close_reason = _close_reason(task)
    note = "; ".join(str(n.get("text")) for n in task.get("note") or []
                     if isinstance(n, dict) and n.get("text"))[:200]
    try:
        return referral_services.transition(
            referral, version, goal, acting=acting, close_reason=close_reason,
            decline_reason=decline_reason, note=f"by FHIR{': ' + note if note else ''}")
    except referral_services.ConflictError as exc:
        raise FhirRefusal(412, str(exc), ["Task.meta.versionId"], "conflict") from None
    except referral_services.ReferralError as exc:
        raise FhirRefusal(409, str(exc), ["Task.status"], "business-rule") from None


def cancel_from_source(*, acting: Acting, link: ReferralLink, version: int,
                       task: dict[str, Any]) -> Referral:
    """The source system withdraws its request: its Task PUT as cancelled closes the
    referral (with the reason given). Any other status is the work's to set."""
    referral = link.referral
    if referral.version != version:
        raise FhirRefusal(412, f"The Task has changed since version {version}; it is at "
                               f"version {referral.version}. Read it again and retry.",
                          ["Task.meta.versionId"], "conflict")
    status = task.get("status")
    if status == FHIR_TASK[State(referral.state)].status:
        return referral
    if status != "cancelled":
        raise FhirRefusal(409, "The source's Task follows the work; its sender may only "
                               "cancel it (status cancelled with a statusReason).",
                          ["Task.status"], "business-rule")
    reason = _close_reason(task)
    try:
        return referral_services.transition(referral, version, State.CLOSED.value,
                                            acting=acting, close_reason=reason,
                                            note="cancelled by the referral source",
                                            open_escalations="keep")
    except referral_services.ReferralError as exc:
        raise FhirRefusal(409, str(exc), ["Task.status"], "business-rule") from None


# --- Procedures: services delivered ---------------------------------------------------


def _performed_on(resource: dict[str, Any]) -> date:
    raw = resource.get("performedDateTime") or (resource.get("performedPeriod") or {}).get(
        "start")
    if not raw:
        raise invalid("A Procedure needs the day the service was given: performedDateTime "
                      "or performedPeriod.start.", "Procedure.performed[x]", code="required")
    text = str(raw)
    moment = parse_datetime(text) if "T" in text else None
    day = moment.date() if moment is not None else parse_date(text[:10])
    if day is None:
        raise invalid(f"{text} is not a date (Procedure.performed[x]).",
                      "Procedure.performed[x]")
    return day


def referral_of_procedure(acting: Acting, resource: dict[str, Any]) -> Referral | None:
    """The carehub referral a Procedure is based on (basedOn ServiceRequest/referral-N or
    partOf/… Task/referral-N), None when it names none of carehub's."""
    for ref in [*(resource.get("basedOn") or []), *(resource.get("partOf") or [])]:
        text = str((ref or {}).get("reference", ""))
        for kind in ("ServiceRequest", "Task"):
            pk = mapping.own_pk(_reference_id(text, kind), mapping.TASK_PREFIX)
            if pk is not None:
                found = referrals_for(acting.organisation).select_related("organisation").filter(
                    pk=pk).first()
                if found is None:
                    raise FhirRefusal(404, f"{text} was not found.", ["Procedure.basedOn"],
                                      "not-found")
                return found
    return None


def receive_procedure(*, acting: Acting, referral: Referral, resource: dict[str, Any],
                      client_id: str = "") -> ServiceDelivery:
    """Log the service a Procedure reports (`log_service`: the contract's services, its
    terms and daily limits, the referral's state), keeping the Procedure as received."""
    if referral.organisation_id != acting.organisation.pk or not acting.has_role(*CBO):
        raise FhirRefusal(403, f"Only {referral.organisation.name}'s workers report services "
                               f"on this referral.", ["Procedure.basedOn"], "forbidden")
    if resource.get("status") != "completed":
        raise invalid("Only a completed Procedure reports a service delivered "
                      "(Procedure.status completed).", "Procedure.status")
    on = _performed_on(resource)
    codes = [str(c.get("code")).strip() for c in _codings(resource.get("code"))
             if c.get("system") == mapping.SERVICE_CODE_SYSTEM and c.get("code")]
    code = codes[0] if codes else referral.service_code
    with scopes_disabled():
        definition = (ServiceDefinition.objects.filter(contract_id=referral.contract_id,
                                                       code=code).first()
                      if referral.contract_id else None)
    setting = definition.setting if definition is not None and definition.setting else (
        Setting.COMMUNITY.value)
    try:
        with transaction.atomic():
            delivery = referral_services.log_service(
                referral, service_code=code, on=on, units=1, setting=setting, acting=acting,
                note="reported by FHIR")
            ProcedureRecord.objects.create(
                delivery=delivery, client_id=client_id[:100],
                source_id=str(resource.get("id") or "")[:64], resource=resource)
    except referral_services.ReferralError as exc:
        raise FhirRefusal(422, str(exc), ["Procedure"], "business-rule") from None
    return delivery

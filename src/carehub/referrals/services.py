"""Writing referrals and the work done on them. Every write is audited.

State changes go through `transition` only: it asks the pure state machine, writes the
referral with an optimistic version check, appends a ReferralEvent and an audit event,
all in one transaction. A writer holding a stale version gets ConflictError naming who
changed the referral and when, and nothing of theirs is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.core import screening as core_screening
from carehub.core.referral_states import (
    IllegalTransition,
    State,
    TransitionContext,
    check_transition,
)
from carehub.members.models import Member, MemberAccess
from carehub.referrals import contract_terms
from carehub.referrals.models import (
    OPEN_STATES,
    CaseNote,
    Consent,
    ContactPreference,
    EngagementVisit,
    Escalation,
    FundSpend,
    Need,
    OutreachAttempt,
    Pathway,
    PathwayStep,
    Referral,
    ReferralEvent,
    Screening,
    ServiceDelivery,
)
from carehub.referrals.needs import need_for
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner


class ReferralError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


class ConflictError(ReferralError):
    """Someone else changed the referral since the form was loaded."""


class AlreadyOwned(ReferralError):
    """Another organisation owns open outreach for this member and service."""

    def __init__(self, owner: str, state: str, since: datetime) -> None:
        self.owner = owner
        super().__init__(f"{owner} already owns outreach for this member and service "
                         f"({state} since {timezone.localtime(since):%Y-%m-%d %H:%M}).")


def _user_name(user: Any) -> str:
    if user is None:
        return "someone"
    full = f"{getattr(user, 'first_name', '')} {getattr(user, 'last_name', '')}".strip()
    return full or str(getattr(user, "username", "someone"))


def _event(referral: Referral, kind: str, actor: Any, by: Organisation, *,
           from_state: str = "", to_state: str = "", note: str = "",
           at: datetime | None = None) -> ReferralEvent:
    """Append a timeline row; `by` (the acting organisation) is the author of its note."""
    return ReferralEvent.objects.create(
        referral=referral, member_id=referral.member_id, organisation=by,
        kind=kind, from_state=from_state, to_state=to_state, note=note[:300], actor=actor,
        at=at or timezone.now())


def _audit(action: str, referral: Referral, actor: Any, organisation: Organisation | None,
           object_type: str = "referral", object_id: str | int | None = None,
           detail: dict[str, Any] | None = None) -> None:
    audit.record(action, object_type=object_type,
                 object_id=str(object_id if object_id is not None else referral.pk),
                 actor=actor, organisation=organisation, member_id=referral.member_id,
                 detail=detail)


def _bump(referral: Referral, version: int, actor: Any, **changes: Any) -> Referral:
    """Write `changes` only if the referral is still at `version`; else ConflictError."""
    now = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, version=version).update(
        version=F("version") + 1, updated_at=now, updated_by=actor, **changes)
    if updated == 0:
        current = Referral.objects.select_related("updated_by").get(pk=referral.pk)
        raise ConflictError(
            f"This referral was changed by {_user_name(current.updated_by)} at "
            f"{timezone.localtime(current.updated_at):%Y-%m-%d %H:%M:%S} (now "
            f"{current.get_state_display().lower()}). Reload to see their change; your input "
            f"is kept below.")
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.version = version + 1
    referral.updated_at = now
    referral.updated_by = actor
    return referral


# --- creating and routing -------------------------------------------------------------

def due_at_for(contract_code: str, service_code: str, *, created: datetime,
               anchor_date: date | None, enrolled_on: date | None = None) -> datetime | None:
    """When first contact (or service start) is due under the contract's timing."""
    rule = contract_terms.timing(contract_code, service_code)
    if rule is None:
        return None
    if rule.anchor == "discharge" and anchor_date is not None:
        start = timezone.make_aware(datetime.combine(anchor_date, time(0, 0)))
    elif rule.anchor == "enrolment":
        if enrolled_on is None:
            return None
        start = timezone.make_aware(datetime.combine(enrolled_on, time(0, 0)))
    else:
        start = created
    return start + timedelta(hours=rule.hours)


def open_referral_for(member: Member, service_code: str) -> Referral | None:
    # Across organisations on purpose: a second organisation must see who owns outreach.
    with scopes_disabled(), as_owner():
        return (Referral.objects.select_related("organisation")
                .filter(member=member, service_code=service_code, state__in=OPEN_STATES)
                .first())


def grant_access(member: Member, organisation: Organisation, reason: str) -> None:
    with scopes_disabled(), as_owner():
        MemberAccess.objects.get_or_create(member=member, organisation=organisation,
                                           defaults={"reason": reason})


def withdraw_access(member: Member, organisation: Organisation, *, actor: Any,
                    acting_org: Organisation, why: str) -> bool:
    """Take back a referral's grant once `organisation` holds no referral for the member.

    Access follows the referrals: an organisation keeps seeing a member while it owns or
    hubs one of the member's referrals, open or finished (the organisation that did the
    work keeps its record of it for billing and audits). Grants made for another reason
    (the plan's own members, a hub's programme) are never withdrawn here. Returns whether
    a grant was withdrawn; the withdrawal is audited.
    """
    with scopes_disabled(), as_owner():
        if Referral.objects.filter(member=member).filter(
                Q(organisation=organisation) | Q(hub=organisation)).exists():
            return False
        withdrawn, _ = MemberAccess.objects.filter(member=member, organisation=organisation,
                                                   reason="referral").delete()
    if withdrawn:
        audit.record("delete", object_type="member_access",
                     object_id=f"{member.pk}:{organisation.pk}", actor=actor,
                     organisation=acting_org, member_id=member.pk,
                     detail={"organisation": organisation.pk, "why": why})
    return bool(withdrawn)


def create_referral(*, member: Member, organisation: Organisation, service_code: str,
                    actor: Any, acting_org: Organisation, contract_code: str = "",
                    service_type: str = "", hub: Organisation | None = None,
                    anchor_date: date | None = None, source: str = "manual",
                    ranked_entry: Any = None, assignee: Any = None,
                    now: datetime | None = None) -> Referral:
    """Refer a member to `organisation` for a service; refused when another owns it."""
    created = now or timezone.now()
    existing = open_referral_for(member, service_code)
    if existing is not None:
        raise AlreadyOwned(existing.organisation.name, existing.get_state_display().lower(),
                           existing.created_at)
    if ContactPreference.objects.filter(member=member, do_not_contact=True).exists():
        raise ReferralError("This member asked not to be contacted; no outreach referral can be made.")
    try:
        with transaction.atomic():
            grant_access(member, organisation, "referral")
            if hub is not None:
                grant_access(member, hub, "referral")
            with as_owner():
                referral = Referral.objects.create(
                    member=member, plan_id=member.plan_id, hub=hub, organisation=organisation,
                    contract_code=contract_code, service_code=service_code,
                    service_type=service_type, anchor_date=anchor_date, source=source,
                    ranked_entry=ranked_entry, assignee=assignee, created_by=actor,
                    updated_by=actor,
                    due_at=due_at_for(contract_code, service_code, created=created,
                                      anchor_date=anchor_date))
                _event(referral, "assigned", actor, acting_org, to_state=State.ASSIGNED.value,
                       note=f"referred to {organisation.name}", at=created)
            _audit("create", referral, actor, acting_org,
                   detail={"organisation": organisation.pk, "service": service_code})
    except IntegrityError:
        # Lost a race with another organisation starting outreach at the same moment.
        existing = open_referral_for(member, service_code)
        if existing is None:
            raise
        raise AlreadyOwned(existing.organisation.name, existing.get_state_display().lower(),
                           existing.created_at) from None
    return referral


def reroute(referral: Referral, version: int, organisation: Organisation, *, actor: Any,
            acting_org: Organisation, note: str = "") -> Referral:
    """A hub coordinator's override: hand the referral to another organisation."""
    if not referral.is_open:
        raise ReferralError("A finished referral cannot be rerouted.")
    with transaction.atomic():
        grant_access(referral.member, organisation, "referral")
        previous = referral.organisation
        with as_owner():
            _bump(referral, version, actor, organisation=organisation, assignee=None)
            _event(referral, "routed", actor, acting_org,
                   note=f"from {previous.name} to {organisation.name}. {note}".strip())
        _audit("update", referral, actor, acting_org,
               detail={"rerouted_from": previous.pk, "to": organisation.pk})
        withdraw_access(referral.member, previous, actor=actor, acting_org=acting_org,
                        why=f"referral {referral.pk} rerouted to {organisation.name}")
    return referral


def assign_worker(referral: Referral, version: int, worker: Any, *, actor: Any,
                  acting_org: Organisation) -> Referral:
    if worker is not None and not worker.memberships.filter(
            organisation=referral.organisation, is_active=True).exists():
        raise ReferralError(f"{_user_name(worker)} does not work for {referral.organisation.name}.")
    with transaction.atomic():
        _bump(referral, version, actor, assignee=worker)
        _event(referral, "assigned", actor, acting_org, note=f"worker: {_user_name(worker)}")
        _audit("update", referral, actor, acting_org,
               detail={"assignee": getattr(worker, "pk", None)})
    return referral


# --- the state machine ----------------------------------------------------------------

def transition(referral: Referral, version: int, target: str, *, actor: Any,
               acting_org: Organisation, close_reason: str = "", decline_reason: str = "",
               note: str = "", on: date | None = None) -> Referral:
    """Move the referral to `target` if the state machine allows it."""
    context = TransitionContext(
        outreach_attempts=referral.attempts,
        max_outreach_attempts=contract_terms.max_outreach_attempts(referral.contract_code),
        close_reason=close_reason, decline_reason=decline_reason)
    try:
        goal = check_transition(referral.state, target, context)
    except IllegalTransition as exc:
        raise ReferralError(str(exc)[0].upper() + str(exc)[1:] + ".") from None
    day = on or timezone.localdate()
    changes: dict[str, Any] = {"state": goal.value}
    if goal is State.CLOSED:
        changes["close_reason"] = close_reason
    if goal is State.DECLINED:
        changes["decline_reason"] = decline_reason[:200]
    if goal is State.ENROLLED:
        changes["enrolled_on"] = day
        due = due_at_for(referral.contract_code, referral.service_code,
                         created=timezone.now(), anchor_date=referral.anchor_date,
                         enrolled_on=day)
        changes["due_at"] = due
    if goal is State.COMPLETED:
        changes["completed_on"] = day
    if goal in (State.CONTACTED,):
        changes["due_at"] = None  # first contact made: the contact timing is met
    with transaction.atomic():
        previous = referral.state
        _bump(referral, version, actor, **changes)
        reason = close_reason or decline_reason
        _event(referral, "transition", actor, acting_org, from_state=previous,
               to_state=goal.value,
               note=" ".join(p for p in (reason, note) if p))
        _audit("update", referral, actor, acting_org,
               detail={"from": previous, "to": goal.value, "reason": reason})
    return referral


# --- outreach, screening, needs -------------------------------------------------------

def record_attempt(referral: Referral, version: int, *, channel: str, outcome: str,
                   actor: Any, acting_org: Organisation, note: str = "",
                   at: datetime | None = None) -> OutreachAttempt:
    if not referral.is_open:
        raise ReferralError("This referral is finished; no more outreach is recorded.")
    if ContactPreference.objects.filter(member_id=referral.member_id, do_not_contact=True).exists():
        raise ReferralError("The member asked not to be contacted: the attempt was not recorded.")
    when = at or timezone.now()
    with transaction.atomic():
        _bump(referral, version, actor, attempts=referral.attempts + 1)
        attempt = OutreachAttempt.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, at=when, channel=channel,
            outcome=outcome, note=note[:300], actor=actor)
        _audit("create", referral, actor, acting_org, object_type="outreach_attempt",
               object_id=attempt.pk, detail={"channel": channel, "outcome": outcome})
        if referral.state == State.ASSIGNED.value:
            transition(referral, referral.version, State.OUTREACH.value, actor=actor,
                       acting_org=acting_org, note="first attempt")
    return attempt


def record_screening(referral: Referral, answers: dict[str, Any], *, language: str,
                     actor: Any, acting_org: Organisation,
                     at: datetime | None = None) -> Screening:
    """Score an AHC HRSN answer sheet; each positive domain becomes a coded need and goal."""
    try:
        result = core_screening.score_ahc_hrsn(answers)
    except core_screening.ScreeningError as exc:
        raise ReferralError(str(exc)) from None
    when = at or timezone.now()
    with transaction.atomic():
        screening = Screening.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, instrument="ahc-hrsn",
            language=language, answers={k: v for k, v in answers.items() if v},
            positive_domains=list(result.positive_domains),
            safety_score=result.safety_score, at=when, actor=actor)
        for domain in result.positive_domains:
            codes: list[str] = []
            for item in core_screening.AHC_HRSN.items:
                if item.domain == domain:
                    raw = answers.get(item.loinc)
                    codes.extend([raw] if isinstance(raw, str) else list(raw or []))
            coded = need_for(domain, codes)
            Need.objects.create(member_id=referral.member_id,
                                organisation_id=referral.organisation_id, screening=screening,
                                domain=domain, icd10=coded.icd10, icd10_display=coded.display,
                                goal=coded.goal, at=when)
        _audit("create", referral, actor, acting_org, object_type="screening",
               object_id=screening.pk, detail={"positive": list(result.positive_domains)})
    return screening


# --- consent and contact preferences --------------------------------------------------

def record_consent(member: Member, *, kind: str, scope: str, given_on: date,
                   expires_on: date | None, actor: Any, acting_org: Organisation) -> Consent:
    if expires_on is not None and expires_on <= given_on:
        raise ReferralError("The expiry date must be after the date consent was given.")
    if not scope.strip():
        raise ReferralError("Say what the member agreed may be shared, and with whom.")
    consent = Consent.objects.create(member=member, organisation=acting_org, kind=kind,
                                     scope=scope.strip(), given_on=given_on,
                                     expires_on=expires_on, recorded_by=actor)
    audit.record("create", object_type="consent", object_id=str(consent.pk), actor=actor,
                 organisation=acting_org, member_id=member.pk, detail={"kind": kind})
    return consent


def revoke_consent(consent: Consent, *, actor: Any, acting_org: Organisation) -> Consent:
    if consent.revoked_at is not None:
        raise ReferralError("This consent is already revoked.")
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.save(update_fields=["revoked_at", "revoked_by"])
    audit.record("update", object_type="consent", object_id=str(consent.pk), actor=actor,
                 organisation=acting_org, member_id=consent.member_id,
                 detail={"revoked": True})
    return consent


def set_contact_preference(member: Member, *, actor: Any, acting_org: Organisation,
                           **values: Any) -> ContactPreference:
    pref, _ = ContactPreference.objects.get_or_create(member=member)
    for name, value in values.items():
        setattr(pref, name, value)
    pref.updated_by = actor
    pref.save()
    audit.record("update", object_type="contact_preference", object_id=str(pref.pk),
                 actor=actor, organisation=acting_org, member_id=member.pk,
                 detail={k: str(v) for k, v in values.items()})
    return pref


# --- services, pathways, notes --------------------------------------------------------

SERVICE_STATES = (State.ENROLLED.value, State.IN_SERVICE.value)


def contract_service_codes(contract_code: str, on: date) -> set[str] | None:
    """The service codes of the contract's terms in force; None when unknown."""
    document = contract_terms.terms(contract_code, on)
    if not document:
        return None
    return {str(s.get("code")) for s in document.get("services", [])}


def log_service(referral: Referral, *, service_code: str, on: date, units: int, setting: str,
                actor: Any, acting_org: Organisation, note: str = "") -> ServiceDelivery:
    if referral.state not in SERVICE_STATES:
        raise ReferralError(
            f"Services are logged once the member is enrolled; this referral is "
            f"{referral.get_state_display().lower()}.")
    if units < 1:
        raise ReferralError("Units must be 1 or more.")
    if on > timezone.localdate():
        raise ReferralError("A service cannot be logged for a future date.")
    allowed = contract_service_codes(referral.contract_code, on)
    if allowed is not None and service_code not in allowed:
        raise ReferralError(
            f"{service_code} is not a service of contract {referral.contract_code} on {on}; "
            f"its services are {', '.join(sorted(allowed))}.")
    with transaction.atomic():
        delivery = ServiceDelivery.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, contract_code=referral.contract_code,
            service_code=service_code, date=on, units=units, setting=setting, staff=actor,
            note=note[:300], at=timezone.now())
        _audit("create", referral, actor, acting_org, object_type="service_delivery",
               object_id=delivery.pk, detail={"service": service_code, "units": units})
        if referral.state == State.ENROLLED.value:
            fresh = Referral.objects.get(pk=referral.pk)
            transition(fresh, fresh.version, State.IN_SERVICE.value, actor=actor,
                       acting_org=acting_org, note="first service logged")
    return delivery


def start_pathway(referral: Referral, *, pathway: str, steps: Iterable[str], actor: Any,
                  acting_org: Organisation, on: date | None = None) -> Pathway:
    names = [s.strip() for s in steps if s.strip()]
    if not names:
        raise ReferralError("A pathway needs at least one step.")
    with transaction.atomic():
        row = Pathway.objects.create(referral=referral, member_id=referral.member_id,
                                     organisation_id=referral.organisation_id,
                                     pathway=pathway, started_on=on or timezone.localdate(),
                                     at=timezone.now())
        PathwayStep.objects.bulk_create(
            [PathwayStep(pathway=row, position=i, name=n) for i, n in enumerate(names, 1)])
        _audit("create", referral, actor, acting_org, object_type="pathway", object_id=row.pk,
               detail={"pathway": pathway, "steps": len(names)})
    return row


def complete_step(step: PathwayStep, *, actor: Any, acting_org: Organisation,
                  on: date | None = None) -> Pathway:
    """Mark a step done; the pathway completes when its last step is done."""
    day = on or timezone.localdate()
    pathway = step.pathway
    if pathway.completed_on is not None:
        raise ReferralError("This pathway is already complete.")
    with transaction.atomic():
        step.done_on = day
        step.save(update_fields=["done_on"])
        if not pathway.steps.filter(done_on__isnull=True).exists():
            pathway.completed_on = day
            pathway.save(update_fields=["completed_on"])
        _audit("update", pathway.referral, actor, acting_org, object_type="pathway_step",
               object_id=step.pk, detail={"pathway_complete": pathway.completed_on is not None})
    return pathway


def record_visit(referral: Referral, *, on: date, kind: str, actor: Any,
                 acting_org: Organisation, note: str = "") -> EngagementVisit:
    visit = EngagementVisit.objects.create(referral=referral, member_id=referral.member_id,
                                           organisation_id=referral.organisation_id, date=on,
                                           kind=kind, note=note[:300], actor=actor,
                                           at=timezone.now())
    _audit("create", referral, actor, acting_org, object_type="engagement_visit",
           object_id=visit.pk)
    return visit


def add_note(referral: Referral, *, text: str, actor: Any, acting_org: Organisation) -> CaseNote:
    if not text.strip():
        raise ReferralError("The note is empty.")
    note = CaseNote.objects.create(referral=referral, member_id=referral.member_id,
                                   organisation_id=referral.organisation_id, author=actor,
                                   text=text.strip(), at=timezone.now())
    _audit("create", referral, actor, acting_org, object_type="case_note", object_id=note.pk)
    return note


# --- escalations ----------------------------------------------------------------------

def raise_escalation(referral: Referral, *, barrier: str, description: str, actor: Any,
                     acting_org: Organisation, now: datetime | None = None) -> Escalation:
    if not description.strip():
        raise ReferralError("Describe the problem to escalate.")
    level, role, hours = contract_terms.escalation_levels(referral.contract_code)[0]
    raised = now or timezone.now()
    with transaction.atomic():
        row = Escalation.objects.create(
            referral=referral, member_id=referral.member_id, organisation=acting_org,
            contract_code=referral.contract_code, level=level, role=role, barrier=barrier,
            description=description.strip(), raised_by=actor, raised_at=raised,
            due_at=raised + timedelta(hours=hours))
        _audit("create", referral, actor, acting_org, object_type="escalation",
               object_id=row.pk, detail={"barrier": barrier, "level": level})
    return row


@dataclass(frozen=True)
class MovedUp:
    escalation_id: int
    referral_id: int
    from_level: int
    to_level: int
    role: str
    due_at: datetime


@dataclass
class EscalationRun:
    moved: list[MovedUp] = field(default_factory=list)
    # Overdue at the contract's last level: nobody higher to move to.
    at_top: list[Escalation] = field(default_factory=list)


def move_up_overdue(now: datetime | None = None) -> EscalationRun:
    """Move every unanswered escalation past its due time up one level (system job).

    Idempotent: a moved escalation gets the new level's due time, so running again at
    once moves nothing. Each row is re-read under a row lock, so two overlapping runs
    never move the same escalation twice.
    """
    moment = now or timezone.now()
    run = EscalationRun()
    with scopes_disabled():
        due = list(Escalation.objects.filter(resolved_at__isnull=True, due_at__lt=moment)
                   .order_by("due_at", "pk").values_list("pk", flat=True))
        for pk in due:
            with transaction.atomic():
                row = (Escalation.objects.select_for_update()
                       .filter(pk=pk, resolved_at__isnull=True, due_at__lt=moment).first())
                if row is None:
                    continue  # resolved or moved meanwhile
                levels = contract_terms.escalation_levels(row.contract_code)
                higher = [lv for lv in levels if lv[0] > row.level]
                if not higher:
                    run.at_top.append(row)
                    continue
                level, role, hours = higher[0]
                previous = row.level
                row.level, row.role = level, role
                row.due_at = moment + timedelta(hours=hours)
                row.save(update_fields=["level", "role", "due_at"])
                audit.record("update", object_type="escalation", object_id=str(row.pk),
                             member_id=row.member_id,
                             detail={"moved_up_to": level, "role": role})
            run.moved.append(MovedUp(row.pk, row.referral_id, previous, level, role,
                                     row.due_at))
    return run


def escalate_overdue(now: datetime | None = None) -> int:
    """How many escalations `move_up_overdue` moved up."""
    return len(move_up_overdue(now).moved)


def resolve_escalation(row: Escalation, *, resolution: str, actor: Any,
                       acting_org: Organisation) -> Escalation:
    if row.resolved_at is not None:
        raise ReferralError("This escalation is already resolved.")
    if not resolution.strip():
        raise ReferralError("Say how the escalation was resolved.")
    row.resolved_at = timezone.now()
    row.resolved_by = actor
    row.resolved_organisation = acting_org
    row.resolution = resolution.strip()
    with transaction.atomic():
        row.save(update_fields=["resolved_at", "resolved_by", "resolved_organisation",
                                "resolution"])
        audit.record("update", object_type="escalation", object_id=str(row.pk), actor=actor,
                     organisation=acting_org, member_id=row.member_id,
                     detail={"resolved": True})
    return row


# --- flexible funds -------------------------------------------------------------------

def fund_balance(member_id: int, contract_code: str, on: date) -> tuple[Decimal, Decimal] | None:
    """(allocation, spent so far) under the contract's flexible-funds rule, or None."""
    rule = contract_terms.funds_rule(contract_code, on)
    if rule is None:
        return None
    spent_qs = FundSpend.objects.filter(member_id=member_id, contract_code=contract_code)
    if rule.per == "year":
        spent_qs = spent_qs.filter(date__year=on.year)
    spent = spent_qs.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return rule.per_member, Decimal(spent)


def spend_funds(referral: Referral, *, category: str, amount: str, on: date, receipt: str,
                actor: Any, acting_org: Organisation) -> FundSpend:
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ReferralError(f"{amount!r} is not an amount like 25.00.") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ReferralError("The amount must be more than 0.00, in dollars and cents.")
    if not receipt.strip():
        raise ReferralError("Record the receipt number or reference.")
    rule = contract_terms.funds_rule(referral.contract_code, on)
    if rule is None:
        raise ReferralError(
            f"Contract {referral.contract_code or '(none)'} has no flexible funds for members.")
    if category not in rule.categories:
        raise ReferralError(
            f"{category!r} is not an allowed category under contract {referral.contract_code}; "
            f"allowed: {', '.join(rule.categories)}.")
    with transaction.atomic():
        # Lock the referral so two spends for the same member cannot both pass the check.
        Referral.objects.select_for_update().filter(pk=referral.pk).first()
        balance = fund_balance(referral.member_id, referral.contract_code, on)
        assert balance is not None
        allocation, spent = balance
        remaining = allocation - spent
        if value > remaining:
            raise ReferralError(
                f"Spending {value:.2f} would pass the member's allocation: {allocation:.2f} "
                f"allocated, {spent:.2f} spent, {remaining:.2f} left.")
        row = FundSpend.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, contract_code=referral.contract_code,
            category=category, amount=value, date=on, receipt=receipt.strip()[:120],
            actor=actor, at=timezone.now())
        _audit("create", referral, actor, acting_org, object_type="fund_spend",
               object_id=row.pk, detail={"category": category, "amount": f"{value:.2f}"})
    return row

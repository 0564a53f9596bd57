"""Escalations: raised on the contract's first level, moved up when unanswered past their
due time (a scheduled job), resolved by whoever they wait for.

Raising one tells the people holding the first level's role at the answering party
(`escalation_queues.responder`); moving up tells the next level's, one notice per
organisation and role with how many moved to them and a link to their queue, never a
member's name (`referrals.notices`, through each person's notification preferences);
and a timeline event on each referral."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.referrals import escalation_queues, notices
from carehub.referrals.contract_terms import contract_row, rules_for
from carehub.referrals.escalation_queues import role_label
from carehub.referrals.models import Escalation, Referral, ReferralEvent
from carehub.referrals.services.base import (
    ReferralError,
    audit_referral,
    organisation_of,
    refuse_finished,
    rules_of,
)
from carehub.tenancy.access import Acting


def raise_escalation(referral: Referral, *, barrier: str, description: str, acting: Acting,
                     now: datetime | None = None) -> Escalation:
    if not description.strip():
        raise ReferralError("Describe the problem to escalate.")
    level, role, hours = rules_of(referral).escalation[0]
    raised = now or timezone.now()
    with transaction.atomic():
        refuse_finished(referral, "an escalation")
        row = Escalation.objects.create(
            referral=referral, member_id=referral.member_id, organisation=organisation_of(acting),
            contract_id=referral.contract_id, contract_code=referral.contract_code,
            level=level, role=role, barrier=barrier,
            description=description.strip(), raised_by=acting.user, raised_at=raised,
            due_at=raised + timedelta(hours=hours))
        audit_referral("create", referral, acting, object_type="escalation",
                       object_id=row.pk, detail={"barrier": barrier, "level": level})
        notices.escalation_reached(escalation_queues.responder(referral, role), role,
                                   acting=acting)
    return row


@dataclass(frozen=True)
class MovedUp:
    escalation_id: int
    referral_id: int
    from_level: int
    to_level: int
    role: str
    due_at: datetime
    organisation_id: int | None = None  # the party whose role answers now


@dataclass
class EscalationRun:
    moved: list[MovedUp] = field(default_factory=list)
    # Overdue at the contract's last level: nobody higher to move to.
    at_top: list[Escalation] = field(default_factory=list)
    mails: int = 0  # e-mails to the next levels (the others chose the bell or the digest)


def move_up_overdue(*, acting: Acting, now: datetime | None = None) -> EscalationRun:
    """Move every unanswered escalation past its due time up one level (a system job:
    `acting` is `Acting.system()`).

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
                # An escalation with no contract (legacy rows) has no pathway to follow:
                # it stays at its level and is reported as at the top.
                levels = (rules_for(contract_row(row.contract_id)).escalation
                          if row.contract_id is not None else ())
                higher = [lv for lv in levels if lv[0] > row.level]
                if not higher:
                    run.at_top.append(row)
                    continue
                level, role, hours = higher[0]
                previous = row.level
                row.level, row.role = level, role
                row.due_at = moment + timedelta(hours=hours)
                row.save(update_fields=["level", "role", "due_at"])
                referral = Referral.objects.get(pk=row.referral_id)
                answering = escalation_queues.responder(referral, role)
                ReferralEvent.objects.create(
                    referral=referral, member_id=row.member_id,
                    organisation_id=answering or referral.organisation_id, kind="escalated",
                    note=f"{row.get_barrier_display()} escalation moved up to level {level} "
                         f"({role_label(role)}), answer due "
                         f"{timezone.localtime(row.due_at):%Y-%m-%d %H:%M}",
                    at=moment)
                audit.record("update", object_type="escalation", object_id=str(row.pk),
                             acting=acting, member_id=row.member_id,
                             detail={"moved_up_to": level, "role": role})
            run.moved.append(MovedUp(row.pk, row.referral_id, previous, level, role,
                                     row.due_at, answering))
    run.mails = notify_next_levels(run.moved, acting=acting)
    return run


def notify_next_levels(moved: list[MovedUp], *, acting: Acting) -> int:
    """Tell each answering party's people holding the role how many escalations moved up
    to them, with a link to their queue; no member names. Returns the number of e-mails
    queued (sent once the moves have committed)."""
    groups = Counter((m.organisation_id, m.role) for m in moved if m.organisation_id)
    return sum(notices.escalation_reached(org_id, role, acting=acting, count=count,
                                          moved_up=True).mails
               for (org_id, role), count in sorted(groups.items()))


def escalate_overdue(*, acting: Acting, now: datetime | None = None) -> int:
    """How many escalations `move_up_overdue` moved up."""
    return len(move_up_overdue(acting=acting, now=now).moved)


def resolve_escalation(row: Escalation, *, resolution: str, acting: Acting) -> Escalation:
    if row.resolved_at is not None:
        raise ReferralError("This escalation is already resolved.")
    if not resolution.strip():
        raise ReferralError("Say how the escalation was resolved.")
    with transaction.atomic():
        row.resolved_at = timezone.now()
        row.resolved_by = acting.user
        row.resolved_organisation = acting.organisation
        row.resolution = resolution.strip()
        row.save(update_fields=["resolved_at", "resolved_by", "resolved_organisation",
                                "resolution"])
        audit.record("update", object_type="escalation", object_id=str(row.pk),
                     acting=acting, member_id=row.member_id, detail={"resolved": True})
    return row

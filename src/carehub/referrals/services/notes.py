"""Case notes and engagement visits: refused once the referral is finished."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from carehub.referrals.models import CaseNote, EngagementVisit, Referral
from carehub.referrals.services.base import ReferralError, audit_referral, refuse_finished
from carehub.tenancy.access import Acting


def record_visit(referral: Referral, *, on: date, kind: str, acting: Acting,
                 note: str = "") -> EngagementVisit:
    with transaction.atomic():
        refuse_finished(referral, "a visit")
        visit = EngagementVisit.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, date=on, kind=kind, note=note[:300],
            actor=acting.user, at=timezone.now())
        audit_referral("create", referral, acting, object_type="engagement_visit",
                       object_id=visit.pk)
    return visit


def add_note(referral: Referral, *, text: str, acting: Acting) -> CaseNote:
    if not text.strip():
        raise ReferralError("The note is empty.")
    with transaction.atomic():
        refuse_finished(referral, "a note")
        note = CaseNote.objects.create(referral=referral, member_id=referral.member_id,
                                       organisation_id=referral.organisation_id,
                                       author=acting.user, text=text.strip(),
                                       at=timezone.now())
        audit_referral("create", referral, acting, object_type="case_note", object_id=note.pk)
    return note

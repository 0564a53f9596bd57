"""Outreach attempts and the AHC HRSN screening, whose positive domains become coded
needs and goals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from carehub.core import screening as core_screening
from carehub.core.referral_states import State
from carehub.referrals.models import (
    ContactPreference,
    Need,
    OutreachAttempt,
    Referral,
    Screening,
)
from carehub.referrals.needs import need_for
from carehub.referrals.services.base import ReferralError, audit_referral, bump
from carehub.referrals.services.states import transition
from carehub.tenancy.access import Acting


def record_attempt(referral: Referral, version: int, *, channel: str, outcome: str,
                   acting: Acting, note: str = "", at: datetime | None = None) -> OutreachAttempt:
    """Count one outreach attempt; the first moves an assigned referral to outreach."""
    if not referral.is_open:
        raise ReferralError("This referral is finished; no more outreach is recorded.")
    if ContactPreference.objects.filter(member_id=referral.member_id, do_not_contact=True).exists():
        raise ReferralError("The member asked not to be contacted: the attempt was not recorded.")
    when = at or timezone.now()
    with transaction.atomic():
        bump(referral, version, acting, attempts=referral.attempts + 1)
        attempt = OutreachAttempt.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, at=when, channel=channel,
            outcome=outcome, note=note[:300], actor=acting.user)
        audit_referral("create", referral, acting, object_type="outreach_attempt",
                       object_id=attempt.pk, detail={"channel": channel, "outcome": outcome})
        if referral.state == State.ASSIGNED.value:
            transition(referral, referral.version, State.OUTREACH.value, acting=acting,
                       note="first attempt")
    return attempt


def record_screening(referral: Referral, answers: dict[str, Any], *, language: str,
                     acting: Acting, at: datetime | None = None,
                     continuing: Screening | None = None) -> Screening:
    """Score an AHC HRSN answer sheet; each positive domain becomes a coded need and goal.

    A sheet with questions left unanswered is saved as incomplete with the domains those
    questions belong to: a domain without an answer is unknown, never "not positive".
    `continuing` is an incomplete screening of the same referral that these answers
    finish: the answers are added to it and it is scored again, so one screening (and
    one need per positive domain) results, not two.
    """
    if continuing is not None:
        if continuing.referral_id != referral.pk:
            raise ReferralError("That screening belongs to another referral.")
        if continuing.complete:
            raise ReferralError("That screening is already complete.")
        answers = {**continuing.answers, **{k: v for k, v in answers.items() if v}}
    try:
        result = core_screening.score_ahc_hrsn(answers)
    except core_screening.ScreeningError as exc:
        raise ReferralError(str(exc)) from None
    unanswered_domains = list(result.unanswered_domains)
    when = at or timezone.now()
    fields: dict[str, Any] = {
        "language": language, "answers": {k: v for k, v in answers.items() if v},
        "positive_domains": list(result.positive_domains),
        "safety_score": result.safety_score, "complete": result.complete,
        "unanswered_items": list(result.unanswered), "unanswered_domains": unanswered_domains,
    }
    with transaction.atomic():
        if continuing is None:
            screening = Screening.objects.create(
                referral=referral, member_id=referral.member_id,
                organisation_id=referral.organisation_id, instrument="ahc-hrsn", at=when,
                actor=acting.user, **fields)
            already: set[str] = set()
        else:
            screening = Screening.objects.select_for_update().get(pk=continuing.pk)
            if screening.complete:
                raise ReferralError("That screening is already complete.")
            for name, value in fields.items():
                setattr(screening, name, value)
            screening.at, screening.actor = when, acting.user
            screening.save()
            already = set(screening.needs.values_list("domain", flat=True))
        for domain in result.positive_domains:
            if domain in already:
                continue
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
        audit_referral("create" if continuing is None else "update", referral, acting,
                       object_type="screening", object_id=screening.pk,
                       detail={"positive": list(result.positive_domains),
                               "unanswered": unanswered_domains})
    return screening

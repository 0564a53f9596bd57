"""A member's consents and contact preferences."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from carehub.audit import services as audit
from carehub.members.models import Member
from carehub.referrals.models import Consent, ContactPreference
from carehub.referrals.services.base import ReferralError, organisation_of
from carehub.tenancy.access import Acting


def record_consent(member: Member, *, kind: str, scope: str, given_on: date,
                   expires_on: date | None, acting: Acting) -> Consent:
    """Record a consent the member gave the acting organisation."""
    if expires_on is not None and expires_on <= given_on:
        raise ReferralError("The expiry date must be after the date consent was given.")
    if not scope.strip():
        raise ReferralError("Say what the member agreed may be shared, and with whom.")
    with transaction.atomic():
        consent = Consent.objects.create(member=member, organisation=organisation_of(acting),
                                         kind=kind, scope=scope.strip(), given_on=given_on,
                                         expires_on=expires_on, recorded_by=acting.user)
        audit.record("create", object_type="consent", object_id=str(consent.pk),
                     acting=acting, member_id=member.pk, detail={"kind": kind})
    return consent


def revoke_consent(consent: Consent, *, acting: Acting) -> Consent:
    if consent.revoked_at is not None:
        raise ReferralError("This consent is already revoked.")
    with transaction.atomic():
        consent.revoked_at = timezone.now()
        consent.revoked_by = acting.user
        consent.save(update_fields=["revoked_at", "revoked_by"])
        audit.record("update", object_type="consent", object_id=str(consent.pk),
                     acting=acting, member_id=consent.member_id, detail={"revoked": True})
    return consent


def set_contact_preference(member: Member, *, acting: Acting,
                           **values: Any) -> ContactPreference:
    with transaction.atomic():
        pref, _ = ContactPreference.objects.get_or_create(member=member)
        for name, value in values.items():
            setattr(pref, name, value)
        pref.updated_by = acting.user
        pref.save()
        audit.record("update", object_type="contact_preference", object_id=str(pref.pk),
                     acting=acting, member_id=member.pk,
                     detail={k: str(v) for k, v in values.items()})
    return pref

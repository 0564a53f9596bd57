"""Assigning and reassigning many referrals to one worker in one action (the supervisor's
team view). Each referral goes through `assign_worker`, so the timeline row, the audit
event and the version check are the same as for one; the whole selection is one
transaction: when any referral changed since the page was loaded, none is assigned and
the error names the members whose referrals changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from carehub.audit import services as audit
from carehub.referrals import notices
from carehub.referrals.models import Referral
from carehub.referrals.services.base import (
    ConflictError,
    ReferralError,
    organisation_of,
    user_name,
)
from carehub.referrals.services.creation import assign_worker
from carehub.tenancy.access import Acting


class StaleReferrals(ConflictError):
    """Some of the selected referrals changed since the page was loaded; none was assigned."""

    def __init__(self, stale: list[Referral]) -> None:
        self.stale = stale
        names = "; ".join(f"{_member_name(r)} (referral {r.pk})" for r in stale)
        super().__init__(
            f"Nothing was assigned: {len(stale)} of the selected referrals changed since the "
            f"page was loaded: {names}. Reload the list and choose again.")


def _member_name(referral: Referral) -> str:
    member = referral.member
    return f"{member.first_name} {member.last_name}".strip() or member.member_id


def assign_workers(referrals_with_versions: Iterable[tuple[Referral, int]], worker: Any, *,
                   acting: Acting) -> list[Referral]:
    """Give each referral (at the version the supervisor saw) to `worker`, one of the
    acting organisation's active workers (None: to nobody). All or nothing."""
    organisation = organisation_of(acting)
    chosen = list(referrals_with_versions)
    if not chosen:
        raise ReferralError("Referrals: choose at least one referral to assign.")
    if worker is not None and not worker.memberships.filter(
            organisation=organisation, is_active=True).exists():
        raise ReferralError(f"Worker: {user_name(worker)} does not work for "
                            f"{organisation.name}.")
    foreign = [r.pk for r, _ in chosen if r.organisation_id != organisation.pk]
    if foreign:
        raise ReferralError(f"Referrals: {len(foreign)} of the selected referrals are not "
                            f"held by {organisation.name}.")
    stale: list[Referral] = []
    done: list[Referral] = []
    with transaction.atomic():
        for referral, version in chosen:
            try:
                # A savepoint each: a stale row is noted and the others still checked.
                with transaction.atomic():
                    done.append(assign_worker(referral, version, worker, acting=acting,
                                              notify=False))
            except ConflictError:
                stale.append(referral)
        if stale:
            raise StaleReferrals(stale)
        audit.record("update", object_type="referral_assignment", object_id="bulk",
                     acting=acting,
                     detail={"assignee": getattr(worker, "pk", None),
                             "referrals": [r.pk for r in done]})
        # One notice with the count, not one per referral.
        notices.assigned_to_worker(worker, acting=acting, count=len(done),
                                   referral=done[0] if len(done) == 1 else None)
    return done

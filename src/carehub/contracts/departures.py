"""A delivering CBO leaving a contract, without cutting off work in progress.

When the hub takes a CBO off a contract's delivering list, or the CBO's supervisor
withdraws, `start` takes it off the list at once (routing gives it no new work) and
records a `Departure`. While the CBO still holds open referrals under the contract it
stays a party with the role "leaving", so it keeps seeing the contract and working
those referrals; the hub chooses, referral by referral, to reroute them or let them
finish (`carehub.referrals.services.leaving`). When none is left open, `finish` ends
its party. Every step is audited.

Contracts sit below referrals: this module cannot count referrals itself, so the
referrals app registers a counter in `OPEN_WORK` (its AppConfig.ready).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, Departure, DepartureStart
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

# (contract, organisation) -> how many open pieces of work the organisation holds under it.
OPEN_WORK: list[Callable[[Contract, Organisation], int]] = []


class DepartureError(Exception):
    """A departure that cannot be started or changed; the message says why."""


def open_work(contract: Contract, organisation: Organisation) -> int:
    return sum(count(contract, organisation) for count in OPEN_WORK)


def open_departure(contract: Contract, organisation: Organisation) -> Departure | None:
    with scopes_disabled(), as_owner():
        return Departure.objects.filter(contract=contract, organisation=organisation,
                                        left_at__isnull=True).first()


def open_departures(contract: Contract) -> list[Departure]:
    with scopes_disabled(), as_owner():
        return list(Departure.objects.filter(contract=contract, left_at__isnull=True)
                    .select_related("organisation", "contract"))


def leaving_ids(contract: Contract) -> set[int]:
    """The CBOs leaving `contract` (still parties while their referrals finish)."""
    with scopes_disabled(), as_owner():
        return set(Departure.objects.filter(contract=contract, left_at__isnull=True)
                   .values_list("organisation_id", flat=True))


def start(contract: Contract, organisation: Organisation, *, started_by: str, acting: Acting,
          reason: str = "") -> Departure:
    """Take `organisation` off the delivering list and record its departure.

    With no open work it leaves at once (the departure is recorded as left); otherwise
    it stays a leaving party until `finish`. Runs inside the caller's transaction when
    there is one (`save_contract_details`), else its own.
    """
    from carehub.contracts.services import sync_parties

    if started_by not in DepartureStart.values:
        raise DepartureError(f"Unknown departure kind {started_by!r}.")
    with transaction.atomic():
        with scopes_disabled(), as_owner():
            if not contract.delivering_cbos.filter(pk=organisation.pk).exists():
                raise DepartureError(f"{organisation.name} does not deliver under {contract.code}.")
            now = timezone.now()
            departure = Departure.objects.create(
                contract=contract, organisation=organisation, started_by=started_by,
                reason=reason.strip(), requested_at=now,
                requested_by=acting.user if getattr(acting.user, "pk", None) else None)
            contract.delivering_cbos.remove(organisation)
        pending = open_work(contract, organisation)
        audit.record("create", acting=acting, object_type="contract_departure",
                     object_id=str(departure.pk),
                     detail={"contract": contract.code, "organisation": organisation.pk,
                             "started_by": started_by, "open_referrals": pending,
                             "reason": departure.reason})
        if pending:
            sync_parties(contract)
        else:
            finish(departure, acting=acting)
    return departure


def finish(departure: Departure, *, acting: Acting) -> bool:
    """End the departure when the CBO holds no open work under the contract: its party
    ends and the date is recorded. Returns whether it ended now."""
    from carehub.contracts.services import sync_parties

    if departure.left_at is not None:
        return False
    if open_work(departure.contract, departure.organisation):
        return False
    with transaction.atomic():
        with scopes_disabled(), as_owner():
            locked = Departure.objects.select_for_update().filter(
                pk=departure.pk, left_at__isnull=True).first()
            if locked is None:
                return False
            locked.left_at = timezone.now()
            locked.save(update_fields=["left_at"])
        departure.left_at = locked.left_at
        sync_parties(departure.contract)
        audit.record("update", acting=acting, object_type="contract_departure",
                     object_id=str(departure.pk),
                     detail={"contract": departure.contract.code,
                             "organisation": departure.organisation_id,
                             "left_on": departure.left_at.date().isoformat()})
    return True


def withdraw(contract: Contract, *, acting: Acting, reason: str) -> Departure:
    """A delivering CBO's supervisor takes the CBO off the contract."""
    if not reason.strip():
        raise DepartureError("Say why your organisation is withdrawing.")
    organisation = acting.organisation
    if organisation is None or open_departure(contract, organisation) is not None:
        raise DepartureError("Your organisation is already leaving this contract.")
    return start(contract, organisation, started_by=DepartureStart.CBO, acting=acting,
                 reason=reason)


def note_let_finish(departure: Departure, referral_id: int, *, acting: Acting) -> Departure:
    """Record that the hub lets one open referral finish at the leaving CBO."""
    if departure.left_at is not None:
        raise DepartureError(f"{departure.organisation.name} has already left.")
    with transaction.atomic():
        with scopes_disabled(), as_owner():
            locked = Departure.objects.select_for_update().get(pk=departure.pk)
            if referral_id not in locked.let_finish:
                locked.let_finish = [*locked.let_finish, referral_id]
                locked.save(update_fields=["let_finish"])
        departure.let_finish = locked.let_finish
        audit.record("update", acting=acting, object_type="contract_departure",
                     object_id=str(departure.pk),
                     detail={"let_finish": referral_id, "contract": departure.contract.code})
    return departure

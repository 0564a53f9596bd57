"""The referrals a CBO leaving a contract still holds, and ending its departure when the
last of them is rerouted or finished (see `carehub.contracts.departures` and
`leaving`). Kept apart from `leaving` so that `creation` and `states` can call
`settle_contract` without importing the module that imports them."""

from __future__ import annotations

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from carehub.contracts import departures
from carehub.contracts.models import Contract, Departure
from carehub.referrals.models import OPEN_STATES, Referral
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner


def open_referrals_of(contract: Contract, organisation: Organisation) -> QuerySet[Referral]:
    """The organisation's open referrals under the contract."""
    return Referral.objects.filter(contract=contract, organisation=organisation,
                                   state__in=OPEN_STATES)


def count_open(contract: Contract, organisation: Organisation) -> int:
    """Registered in `departures.OPEN_WORK` (referrals' AppConfig.ready): a trusted
    count, since the hub and the contracts app ask about another organisation's work."""
    with scopes_disabled(), as_owner():
        return open_referrals_of(contract, organisation).count()


def settle_contract(contract_code: str, *, acting: Acting) -> list[Departure]:
    """End every departure from the contract whose CBO has no open referral left."""
    if not contract_code:
        return []
    with scopes_disabled(), as_owner():
        pending = list(Departure.objects.filter(contract__code=contract_code,
                                                left_at__isnull=True)
                       .select_related("contract", "organisation"))
    return [d for d in pending if departures.finish(d, acting=acting)]

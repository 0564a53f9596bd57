"""Reads of data sets and deliveries, always for the acting organisation: a contract's
parties (payer, provider hub, delivering CBOs) see its data sets and deliveries; anyone
else gets 404. The files themselves (member ids inside) are for the payer, the provider
and the data set's counterparty only, and each download is audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, ContractParty
from carehub.exchange.models import DataSet, Delivery
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Role

# Who reads the exchange's pages, and who may download a delivered file.
READERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER, Role.PAYER_ANALYST,
           Role.CBO_SUPERVISOR)
FILE_READERS = READERS


def _contract_ids(acting: Acting) -> QuerySet[ContractParty, Any]:
    with scopes_disabled():
        return ContractParty.objects.filter(organisation=acting.organisation).values(
            "contract_id")


def contract_for(acting: Acting, code: str) -> Contract:
    with scopes_disabled():
        contract = (Contract.objects.select_related("payer", "provider")
                    .filter(code=code, pk__in=_contract_ids(acting)).first())
    if contract is None:
        raise Http404("Not found")
    return contract


def data_sets_of(acting: Acting, contract: Contract) -> list[DataSet]:
    with scopes_disabled():
        return list(DataSet.objects.filter(contract=contract,
                                           contract_id__in=_contract_ids(acting))
                    .select_related("counterparty").order_by("name", "pk"))


def data_set(acting: Acting, pk: int) -> DataSet:
    with scopes_disabled():
        found = (DataSet.objects.select_related("contract", "contract__payer",
                                                "contract__provider", "counterparty")
                 .filter(pk=pk, contract_id__in=_contract_ids(acting)).first())
    if found is None:
        raise Http404("Not found")
    return found


def deliveries(acting: Acting) -> QuerySet[Delivery]:
    """Every delivery of the contracts the acting organisation is a party to."""
    with scopes_disabled():
        return (Delivery.objects.filter(contract_id__in=_contract_ids(acting))
                .select_related("data_set", "contract"))


def delivery(acting: Acting, pk: int) -> Delivery:
    with scopes_disabled():
        found = (deliveries(acting).select_related("data_set__counterparty", "contract__payer",
                                                   "contract__provider")
                 .filter(pk=pk).first())
    if found is None:
        raise Http404("Not found")
    return found


def may_read_file(acting: Acting, found: Delivery) -> bool:
    """The file (member ids inside) is for the plan, the provider and the counterparty."""
    org = acting.organisation.pk
    return (acting.role in FILE_READERS
            and org in (found.contract.payer_id, found.contract.provider_id,
                        found.data_set.counterparty_id))

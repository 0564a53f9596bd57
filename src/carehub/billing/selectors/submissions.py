"""Reads of submissions and bills, given the acting organisation: the hub and the payer of
a submission see it; a CBO sees its own bills."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.billing.invoices import DocLine, InvoiceDoc
from carehub.billing.models import Bill, BillLine, Submission
from carehub.tenancy.access import Acting


def submissions_of(acting: Acting) -> QuerySet[Submission]:
    org = acting.organisation
    with scopes_disabled():
        return Submission.objects.filter(Q(hub=org) | Q(payer=org)).select_related("contract")


def get_submission(acting: Acting, pk: int) -> Submission:
    with scopes_disabled():
        found = submissions_of(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def bills_of(acting: Acting) -> QuerySet[Bill]:
    org = acting.organisation
    with scopes_disabled():
        return Bill.objects.filter(Q(hub=org) | Q(payer=org) | Q(cbo=org))


def get_bill(acting: Acting, pk: int) -> Bill:
    with scopes_disabled():
        found = bills_of(acting).filter(pk=pk).select_related(
            "cbo", "hub", "payer", "contract").first()
    if found is None:
        raise Http404("Not found")
    return found


def doc_lines(bills: QuerySet[Bill]) -> list[DocLine]:
    """The bills' lines with only what a payment document carries."""
    with scopes_disabled():
        rows = (BillLine.objects.filter(bill__in=bills)
                .order_by("bill__number", "service_date", "pk")
                .values_list("bill__number", "pk", "member__member_id", "cbo__name",
                             "service_date", "service_code", "hcpcs", "modifiers", "units",
                             "rate", "amount", "place_of_service", "diagnosis_codes"))
        return [DocLine(str(r[0]), str(r[1]), *r[2:]) for r in rows]


def invoice_doc(bill: Bill) -> InvoiceDoc:
    cbo = bill.cbo
    ids = f"NPI {cbo.npi}" if cbo.npi else (f"Payer id {cbo.medicaid_id}" if cbo.medicaid_id
                                            else "no provider id")
    with scopes_disabled():
        lines = doc_lines(Bill.objects.filter(pk=bill.pk))
    return InvoiceDoc(number=bill.number, contract=bill.contract.code, period=bill.period,
                      cbo=cbo.name, cbo_ids=ids, hub=bill.hub.name, payer=bill.payer.name,
                      submitted=bill.submitted_at.date(), lines=tuple(lines))

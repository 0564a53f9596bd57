"""Data set and delivery pages: a contract's data sets (kept by its hub's administrators
and its plan's managers), one data set with its deliveries and the periods still
without a file, every delivery of the organisation's contracts, one delivery's receipt,
the receipt as CSV (the refused rows) and the file itself. Only the contract's parties
see any of it; anyone else gets 404."""

from __future__ import annotations

import csv
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from carehub.audit import services as audit
from carehub.exchange.filters import DeliveryFilterSet
from carehub.exchange.forms.deliveries import DataSetForm
from carehub.exchange.models import DataSet
from carehub.exchange.selectors import deliveries as selectors
from carehub.exchange.services import folders
from carehub.exchange.services.deliveries import DataSetProblem, may_edit, save_data_set
from carehub.exchange.services.deliveries_due import overdue_since
from carehub.listing import Column, listing
from carehub.tenancy.access import Acting, require_acting

READERS = selectors.READERS
COLUMNS = [Column("Received", "received"), Column("File", "file"),
           Column("Data set", css="hide-sm"), Column("Status", "status"),
           Column("Rows", css="num")]


def _save(request: HttpRequest, acting: Acting, form: DataSetForm) -> DataSet | None:
    if not form.is_valid():
        return None
    try:
        return save_data_set(form.save(commit=False), acting=acting)
    except DataSetProblem as exc:
        form.add_error(exc.field or None, str(exc))
        return None


@require_http_methods(["GET", "POST"])
@require_acting(*READERS)
def data_sets(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract = selectors.contract_for(acting, code)
    editor = may_edit(acting, contract)
    form = DataSetForm(contract=contract) if editor else None
    status = 200
    if request.method == "POST":
        if not editor:
            raise Http404("Not found")
        form = DataSetForm(request.POST, contract=contract)
        saved = _save(request, acting, form)
        if saved is not None:
            return redirect("exchange:data_set", saved.pk)
        status = 400
    return render(request, "exchange/datasets_list.html", {
        "contract": contract, "data_sets": selectors.data_sets_of(acting, contract),
        "form": form, "may_edit": editor}, status=status)


@require_acting(*READERS)
def data_set(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = selectors.data_set(acting, pk)
    rows = list(selectors.deliveries(acting).filter(data_set=found)
                .order_by("-received_at", "-pk")[:50])
    return render(request, "exchange/datasets_detail.html", {
        "data_set": found, "contract": found.contract, "deliveries": rows,
        "overdue": overdue_since(found), "may_edit": may_edit(acting, found.contract),
        "folder": folders.folder_of(found)})


@require_http_methods(["GET", "POST"])
@require_acting(*READERS)
def data_set_edit(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = selectors.data_set(acting, pk)
    if not may_edit(acting, found.contract):
        raise Http404("Not found")
    form = DataSetForm(instance=found, contract=found.contract)
    status = 200
    if request.method == "POST":
        form = DataSetForm(request.POST, instance=found, contract=found.contract)
        if _save(request, acting, form) is not None:
            return redirect("exchange:data_set", found.pk)
        status = 400
    return render(request, "exchange/datasets_edit.html", {
        "data_set": found, "contract": found.contract, "form": form}, status=status)


@require_acting(*READERS)
def deliveries(request: HttpRequest, acting: Acting) -> HttpResponse:
    found = listing(request, DeliveryFilterSet, selectors.deliveries(acting), COLUMNS)
    return render(request, "exchange/deliveries_list.html", {"listing": found,
                                                              "deliveries": found.rows})


@require_acting(*READERS)
def delivery(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = selectors.delivery(acting, pk)
    return render(request, "exchange/deliveries_detail.html", {
        "delivery": found, "data_set": found.data_set, "contract": found.contract,
        "may_read_file": selectors.may_read_file(acting, found) and bool(found.stored_path)})


@require_acting(*READERS)
def delivery_receipt(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """The receipt as CSV: a summary, then one line per problem (row, column, message)."""
    found = selectors.delivery(acting, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receipt-{found.pk}.csv"'
    writer = csv.writer(response)
    summary: list[tuple[str, Any]] = [
        ("delivery", found.pk), ("data set", found.data_set.name),
        ("contract", found.contract.code), ("file", found.file_name),
        ("sha256", found.sha256), ("size", found.size), ("status", found.status),
        ("received", timezone.localtime(found.received_at).isoformat(timespec="seconds")),
        ("processed", timezone.localtime(found.processed_at).isoformat(timespec="seconds")
         if found.processed_at else ""),
        ("rows read", found.rows_read), ("rows accepted", found.rows_accepted),
        ("rows refused", found.rows_refused), ("duplicate of", found.duplicate_of_id or "")]
    for key, value in summary:
        writer.writerow(["#", key, value])
    writer.writerow(["row", "column", "message"])
    for row, column, message in found.problems:
        writer.writerow([_safe(row or ""), _safe(column), _safe(message)])
    return response


def _safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@require_acting(*READERS)
def delivery_file(request: HttpRequest, acting: Acting, pk: int) -> FileResponse:
    found = selectors.delivery(acting, pk)
    if not selectors.may_read_file(acting, found):
        raise Http404("Not found")
    path = folders.absolute(found.stored_path)
    if path is None or not path.is_file():
        raise Http404("Not found")
    audit.record("read", object_type="exchange_file", object_id=str(found.pk), request=request,
                 acting=acting, detail={"file": found.file_name, "sha256": found.sha256})
    return FileResponse(path.open("rb"), as_attachment=True, filename=found.file_name)

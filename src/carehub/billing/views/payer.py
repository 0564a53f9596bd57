"""The payer's review pages: the queue, a bill, bulk approval of a filtered set, the
turnaround panel; and the hub's page answering the payer's questions.

Program managers decide; analysts read. A bill of another plan (or hub, for questions)
answers 404, for reads and for decisions alike.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from carehub.audit import services as audit
from carehub.billing.forms.review import AnswerForm, BulkConfirmForm, DecisionForm
from carehub.billing.models import BillStatus
from carehub.billing.selectors import review as selectors
from carehub.billing.services import review as services
from carehub.billing.tasks_review import INLINE_LIMIT, bulk_approve_task
from carehub.core.validation import InputError
from carehub.jobs import services as jobs
from carehub.jobs.views import redirect_to_job
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

BULK_SALT = "billing.review.bulk"
BULK_MAX_AGE = 3600  # a confirmation older than an hour is shown again
BULK_MAX = 200_000  # the signed list of ids stays well under the request size limit


def _keep(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_acting(*roles.PLAN)
def queue(request: HttpRequest, acting: Acting) -> HttpResponse:
    page = selectors.queue(acting, request.GET)
    audit.record("view", request=request, object_type="bill_queue", object_id=acting.role,
                 detail={"member_ids": sorted({b.member_id for b in page.rows if b.member_id})})
    return render(request, "billing/payer/queue.html", {
        "page": page, "query": _keep(request), "tally": selectors.denial_tally(acting),
        "may_decide": acting.has_role(Role.PAYER_MANAGER),
        "filtered": any(request.GET.get(k) for k in page.form.fields if k != "sort"),
    })


@require_acting(*roles.PLAN)
def turnaround(request: HttpRequest, acting: Acting) -> HttpResponse:
    return render(request, "billing/payer/turnaround.html",
                  {"stages": selectors.turnaround(acting), "sample": selectors.TURNAROUND_SAMPLE})


@require_acting(*roles.PLAN)
def bill(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = selectors.plan_bill(acting, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not acting.has_role(Role.PAYER_MANAGER):
            raise Http404("Not found")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.decide(found, data["action"], acting=acting,
                                reason_code=data["reason_code"], note=data["note"])
            except InputError as error:
                for field, message in error.errors:
                    form.add_error(field if field in form.fields else None, message)
            except services.StaleBill as error:
                messages.warning(request, str(error))
                return redirect("billing:review_bill", pk=found.pk)
            else:
                messages.success(request, f"Bill {found.number}: {data['action']} recorded.")
                return redirect("billing:review")
    lines = list(found.lines.order_by("service_date", "pk"))
    audit.record("view", request=request, object_type="bill", object_id=str(found.pk),
                 member_id=found.member_id)
    return render(request, "billing/payer/bill.html", {
        "bill": found, "lines": lines, "decisions": list(found.decisions.select_related("by", "organisation")),
        "form": form, "reasons": services.DENIAL_REASONS,
        "may_decide": acting.has_role(Role.PAYER_MANAGER) and found.status == BillStatus.SUBMITTED,
    }, status=400 if form.errors else 200)


@require_acting(Role.PAYER_MANAGER)
def bulk(request: HttpRequest, acting: Acting) -> HttpResponse:
    """GET: the confirmation (count and total of the waiting bills the filter shows);
    POST: approve exactly the bills confirmed, skipping any decided meanwhile."""
    if request.method == "POST":
        form = BulkConfirmForm(request.POST)
        try:
            if not form.is_valid():
                raise signing.BadSignature("no token")
            data = signing.loads(form.cleaned_data["token"], salt=BULK_SALT,
                                 max_age=BULK_MAX_AGE)
        except signing.BadSignature:
            messages.error(request, "That confirmation has expired; confirm the approval again.")
            return redirect("billing:review")
        if data.get("plan") != acting.organisation.pk or data.get("user") != acting.user.pk:
            raise Http404("Not found")
        ids = [int(pk) for pk in data["ids"]]
        if len(ids) > INLINE_LIMIT:
            job = jobs.start_job(bulk_approve_task, kind="billing.bulk_approve",
                                 title=f"Approve {len(ids):,} bills", acting=acting,
                                 params={"bill_ids": ids}, total=len(ids))
            return redirect_to_job(request, job)
        result = services.bulk_approve(ids, acting=acting)
        messages.success(request, services.bulk_message(result))
        return redirect(reverse("billing:review") + (f"?{data['query']}" if data["query"] else ""))
    qs = selectors.filtered_for_bulk(acting, request.GET)
    if qs is None:
        messages.error(request, "The filter was refused; nothing to approve.")
        return redirect("billing:review")
    # Ids and amounts in one read: the count and total shown are those of the ids signed.
    rows = list(qs.order_by("submitted_at", "pk").values_list("pk", "amount")[:BULK_MAX + 1])
    ids = [pk for pk, _ in rows]
    if len(ids) > BULK_MAX:
        messages.error(request, f"More than {BULK_MAX:,} bills: narrow the filter (a CBO, a "
                                "service or an age) and approve them in parts.")
        return redirect(reverse("billing:review") + f"?{_keep(request)}")
    total = sum((amount for _, amount in rows), Decimal("0.00"))
    query = _keep(request)
    token = signing.dumps({"ids": ids, "plan": acting.organisation.pk, "user": acting.user.pk,
                           "query": query}, salt=BULK_SALT, compress=True)
    return render(request, "billing/payer/bulk.html", {
        "count": len(ids), "total": total, "form": BulkConfirmForm(initial={"token": token}),
        "query": query, "as_job": len(ids) > INLINE_LIMIT,
    })


@require_acting(*roles.HUB)
def questions(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The hub's page: bills a plan pended with a question, each with an answer form."""
    rows = list(selectors.pended_for(acting)[:200])
    return render(request, "billing/payer/questions.html",
                  {"rows": rows, "form": AnswerForm()})


@require_acting(*roles.HUB)
def answer(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = selectors.hub_bill(acting, pk)
    if request.method != "POST":
        return redirect("billing:questions")
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer(found, form.cleaned_data["answer"], acting=acting)
        except services.StaleBill as error:
            messages.warning(request, str(error))
        else:
            messages.success(request, f"Answer sent; bill {found.number} is back in the plan's queue.")
        return redirect("billing:questions")
    rows = list(selectors.pended_for(acting)[:200])
    return render(request, "billing/payer/questions.html",
                  {"rows": rows, "form": form, "failed": found.pk}, status=400)

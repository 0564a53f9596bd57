"""The feedback log: hub and plan staff log items, record each one's disposition and the
answer sent back; a CBO supervisor sends feedback from their CBO to a hub and reads the
answers to their own items only. A plan member is named only to those who may see them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from carehub.reporting.exports import table_download
from carehub.reporting.forms import voice as forms
from carehub.reporting.models.voice import FeedbackItem, FeedbackSource
from carehub.reporting.selectors import voice as reads
from carehub.reporting.services import voice as service
from carehub.reporting.views.voice import EDITORS, READERS, _fmt
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

FEEDBACK_READERS = (*READERS, Role.CBO_SUPERVISOR)
SENDERS = (*EDITORS, Role.CBO_SUPERVISOR)

FEEDBACK_TERMS = [
    ("Disposition", "Open (not yet looked at), in review, incorporated (where: which "
                    "decision, document, workflow or contract change) or not incorporated "
                    "(why, always given)."),
    ("Closed", "An item is closed only when the answer has been sent back to who gave it."),
    ("Who", "A plan member is named only to an organisation that may see that member; "
            "others read \"A plan member\"."),
]


def _filters(request: HttpRequest) -> tuple[forms.FeedbackFilterForm, dict[str, Any]]:
    form = forms.FeedbackFilterForm(request.GET or None)
    chosen: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        chosen = {k: v for k, v in form.cleaned_data.items() if v}
    return form, chosen


def _log_context(request: HttpRequest, acting: Acting,
                 form: forms.FeedbackForm | None = None) -> dict[str, Any]:
    filters, chosen = _filters(request)
    items = list(reads.filter_feedback(reads.feedback_for(acting), **chosen)[:200])
    query = request.GET.urlencode()
    return {"rows": reads.shown_feedback(acting, items), "filters": filters, "query": query,
            "is_cbo": reads.is_cbo(acting), "may_send": acting.has_role(*SENDERS),
            "form": form or forms.FeedbackForm(acting=acting,
                                               initial={"received_on": timezone.localdate()}),
            "terms": FEEDBACK_TERMS}


@require_safe
@require_acting(*FEEDBACK_READERS)
def feedback_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    return render(request, "reporting/voice/feedback.html", _log_context(request, acting))


@require_http_methods(["POST"])
@require_acting(*SENDERS)
def feedback_create(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = forms.FeedbackForm(request.POST, acting=acting)
    if form.is_valid():
        data = dict(form.cleaned_data)
        member = data.pop("member_id")
        if form.from_cbo:
            owner, data["cbo"] = data.pop("owner"), acting.organisation
        else:
            owner = acting.organisation
        try:
            item = service.submit_feedback(acting=acting, owner=owner, member=member, **data)
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Feedback logged.")
            return redirect("reporting:voice_feedback_item", pk=item.pk)
    messages.error(request, "Feedback not saved: see the errors in the form.")
    response = render(request, "reporting/voice/feedback.html", _log_context(request, acting, form))
    response.status_code = 400
    return response


def _item_context(acting: Acting, item: FeedbackItem, **bound: Any) -> dict[str, Any]:
    row = reads.shown_feedback(acting, [item], object_id=str(item.pk))[0]
    owner = item.owner_id == acting.organisation.pk
    return {"item": item, "who": row["who"], "is_cbo": reads.is_cbo(acting),
            "may_edit": owner and acting.has_role(*EDITORS), "terms": FEEDBACK_TERMS,
            "disposition_form": bound.get("disposition_form") or forms.DispositionForm(initial={
                "disposition": item.disposition, "where": item.incorporated_where,
                "why": item.not_incorporated_why}),
            "answer_form": bound.get("answer_form") or forms.AnswerForm(initial={
                "answered_on": timezone.localdate(),
                "channel": "platform" if reads.sent_by_cbo_user(item) else "email"})}


@require_safe
@require_acting(*FEEDBACK_READERS)
def feedback_item(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    item = reads.get_feedback(acting, pk)
    return render(request, "reporting/voice/feedback_item.html", _item_context(acting, item))


def _own_item(acting: Acting, pk: int) -> FeedbackItem:
    item = reads.get_feedback(acting, pk)
    if item.owner_id != acting.organisation.pk:  # a CBO reads its items, never decides them
        from django.http import Http404

        raise Http404("Not found")
    return item


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def feedback_disposition(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    item = _own_item(acting, pk)
    form = forms.DispositionForm(request.POST)
    if form.is_valid():
        try:
            service.set_disposition(item, acting=acting, **form.cleaned_data)
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Disposition: {item.get_disposition_display()}.")
            return redirect("reporting:voice_feedback_item", pk=item.pk)
    item.refresh_from_db()
    messages.error(request, "Disposition not saved: see the errors in the form.")
    response = render(request, "reporting/voice/feedback_item.html",
                      _item_context(acting, item, disposition_form=form))
    response.status_code = 400
    return response


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def feedback_answer(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    item = _own_item(acting, pk)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            service.answer_feedback(item, acting=acting, **form.cleaned_data)
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Answer recorded: the item is closed.")
            return redirect("reporting:voice_feedback_item", pk=item.pk)
    item.refresh_from_db()
    messages.error(request, "Answer not saved: see the errors in the form.")
    response = render(request, "reporting/voice/feedback_item.html",
                      _item_context(acting, item, answer_form=form))
    response.status_code = 400
    return response


@require_safe
@require_acting(*FEEDBACK_READERS)
def feedback_download(request: HttpRequest, acting: Acting, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    _, chosen = _filters(request)
    items = list(reads.filter_feedback(reads.feedback_for(acting), **chosen))
    rows = [[r["item"].received_on, FeedbackSource(r["item"].source).label, r["who"],
             r["item"].cbo.name if r["item"].cbo else "", r["item"].topic, r["item"].text,
             r["item"].get_disposition_display(), r["item"].incorporated_where,
             r["item"].not_incorporated_why, r["item"].answer, r["item"].answered_on or "",
             r["item"].get_answer_channel_display(), "closed" if r["item"].closed else "open"]
            for r in reads.shown_feedback(acting, items, object_id=f"export.{fmt}")]
    return table_download("feedback", fmt, [
        "Received", "Source", "Who", "CBO", "Topic", "Feedback", "Disposition",
        "Where incorporated", "Why not incorporated", "Answer", "Answered on", "Channel",
        "Status"], rows, definitions=FEEDBACK_TERMS)

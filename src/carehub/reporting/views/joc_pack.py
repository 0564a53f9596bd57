"""The meeting pack: the web page (the same `joc_pack.Pack` the PDF draws), the PDF as a
job with its download, and the pack's tables as CSV or Excel. Readers are the committee's
parties; anyone else gets 404."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from carehub.audit import services as audit
from carehub.jobs import services as jobs
from carehub.jobs.views import redirect_to_job
from carehub.reporting import joc_pack
from carehub.reporting.exports import FORMATS, table_download
from carehub.reporting.joc_pack_job import PACK_KIND, pack_path, pack_task
from carehub.reporting.selectors import joc as selectors
from carehub.tenancy.access import Acting, require_acting

ACTION_DEFINITIONS = (
    ("Carried", "Raised at an earlier meeting and still open at this one: every open item "
                "shows on the next meeting until it is done."),
    ("New", "Raised at this meeting."),
    ("Done", "Closed at this meeting."),
)
BARRIER_DEFINITIONS = (
    ("Raised", "Escalations raised in the period on the committee's referrals, by barrier."),
    ("Still open", "Of those, not resolved yet."),
    ("Resolved", "Of those, resolved."),
)


@require_safe
@require_acting(*selectors.READERS)
def pack(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting(acting, pk)
    data = joc_pack.build(acting, meeting)
    return render(request, "reporting/joc/pack.html", {
        "meeting": meeting, "pack": data, "has_pdf": pack_path(meeting).exists(),
        "may_write": acting.has_role(*selectors.WRITERS)})


@require_POST
@require_acting(*selectors.READERS)
def pack_pdf_start(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting(acting, pk)
    job = jobs.start_job(pack_task, kind=PACK_KIND,
                         title=f"JOC pack {meeting.committee.name} {meeting.period}",
                         acting=acting, params={"meeting": meeting.pk})
    return redirect_to_job(request, job)


@require_safe
@require_acting(*selectors.READERS)
def pack_pdf(request: HttpRequest, acting: Acting, pk: int) -> FileResponse:
    meeting = selectors.get_meeting(acting, pk)
    path = pack_path(meeting)
    if not path.exists():
        raise Http404("The pack has not been drawn yet: start it from the pack page.")
    audit.record("export", acting=acting, object_type="joc_pack", object_id=str(meeting.pk))
    return FileResponse(path.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=f"joc-pack-{meeting.period}-{meeting.pk}.pdf")


@require_safe
@require_acting(*selectors.READERS)
def actions_download(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Not found")
    meeting = selectors.get_meeting(acting, pk)
    found = selectors.actions_for(meeting)
    rows = ([("Carried", a.text, a.owner_display, a.due_on, a.raised_at.period)
             for a in found.carried]
            + [("New", a.text, a.owner_display, a.due_on, a.raised_at.period)
               for a in found.raised]
            + [("Done", a.text, a.owner_display, a.due_on, a.raised_at.period)
               for a in found.done])
    return table_download(f"joc-actions-{meeting.period}", fmt,
                          ("Status", "Action", "Owner", "Due", "Raised in"), rows,
                          definitions=ACTION_DEFINITIONS)


@require_safe
@require_acting(*selectors.READERS)
def barriers_download(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Not found")
    meeting = selectors.get_meeting(acting, pk)
    rows = [(b["barrier"], b["raised"], b["open"], b["resolved"])
            for b in joc_pack.barrier_tally(acting, meeting)]
    return table_download(f"joc-barriers-{meeting.period}", fmt,
                          ("Barrier", "Raised", "Still open", "Resolved"), rows,
                          definitions=BARRIER_DEFINITIONS)

"""Community voice pages: advisory councils (composition against the rule, members,
meetings) and the touch-point log with its repeat-ask warning. The feedback log is in
`voice_feedback`. Hub and plan staff read; administrators, coordinators and plan managers
write; another organisation (or a role without access) gets 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from carehub.reporting.exports import FORMATS, table_download
from carehub.reporting.forms import voice as forms
from carehub.reporting.selectors import voice as reads
from carehub.reporting.services import voice as service
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

READERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER, Role.PAYER_ANALYST)
EDITORS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER)

COMPOSITION_TERMS = [
    ("Current member", "Joined on or before today and not left: members who have left are "
                       "not counted."),
    ("Consumer", "A member or user of the services."),
    ("Lived experience", "A person with lived experience of the needs the programme serves."),
    ("Share", "Members who count toward the rule (by the council's basis) divided by current "
              "members, shown rounded half up to a whole percent."),
    ("Meets / misses", "Meets when the exact share is at least the rule's minimum (5 of 9 = "
                       "55.6% meets 51%; 4 of 9 = 44.4% misses)."),
]
TOUCH_POINT_TERMS = [
    ("Touch point", "One time people were asked something: whom, about what, how and when."),
    ("Recent ask", "An earlier touch point within the window (90 days unless set otherwise) "
                   "that asked the same people (a council member in common, the same CBO or "
                   "the same group label) about the same topic (the same topic field, or a "
                   "shared topic word of four letters or more)."),
    ("Confirmed despite recent ask", "Saved after the warning about a recent ask."),
]


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404("Not found")
    return fmt


def _bad(request: HttpRequest, template: str, context: dict[str, Any], error: str) -> HttpResponse:
    messages.error(request, error)
    return render(request, template, context, status=400)


# --- councils -----------------------------------------------------------------------------

def _councils_context(acting: Acting, form: forms.CouncilForm | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    rows = []
    for council in reads.councils_for(acting).prefetch_related("members"):
        rows.append({"council": council,
                     "composition": reads.composition(council, council.members.all(), on=today),
                     "keeper": council.owner_id == acting.organisation.pk})
    return {"rows": rows, "may_edit": acting.has_role(*EDITORS),
            "form": form or forms.CouncilForm(acting=acting), "terms": COMPOSITION_TERMS}


@require_safe
@require_acting(*READERS)
def council_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    return render(request, "reporting/voice/councils.html", _councils_context(acting))


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def council_create(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = forms.CouncilForm(request.POST, acting=acting)
    if form.is_valid():
        try:
            council = service.create_council(acting=acting, **form.cleaned_data)
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Council {council.name} created.")
            return redirect("reporting:voice_council", pk=council.pk)
    return _bad(request, "reporting/voice/councils.html", _councils_context(acting, form),
                "Council not saved: see the errors in the form.")


def _council_context(acting: Acting, council: Any, **bound: Any) -> dict[str, Any]:
    today = timezone.localdate()
    keeper = council.owner_id == acting.organisation.pk
    members = list(council.members.all())
    rows = [{"member": m, "current": reads.is_current(m, today),
             "contact": reads.contact_shown(m, keeper=keeper),
             "leave": forms.LeaveForm(prefix=f"leave-{m.pk}")} for m in members]
    meetings = list(council.meetings.prefetch_related("attendance"))
    may_edit = keeper and acting.has_role(*EDITORS)
    return {"council": council, "rows": rows, "meetings": meetings,
            "composition": reads.composition(council, members, on=today),
            "may_edit": may_edit, "terms": COMPOSITION_TERMS,
            "member_form": bound.get("member_form") or forms.CouncilMemberForm(
                initial={"joined_on": today}),
            "meeting_form": bound.get("meeting_form") or forms.MeetingForm(
                council=council, initial={"held_on": today})}


@require_safe
@require_acting(*READERS)
def council_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    council = reads.get_council(acting, pk)
    return render(request, "reporting/voice/council.html", _council_context(acting, council))


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def council_member_add(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    council = reads.get_own_council(acting, pk)
    form = forms.CouncilMemberForm(request.POST)
    if form.is_valid():
        try:
            service.add_council_member(council, acting=acting, **form.cleaned_data)
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{form.cleaned_data['name']} added.")
            return redirect("reporting:voice_council", pk=council.pk)
    return _bad(request, "reporting/voice/council.html",
                _council_context(acting, council, member_form=form),
                "Member not added: see the errors in the form.")


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def council_member_leave(request: HttpRequest, acting: Acting, pk: int, member: int) -> HttpResponse:
    council = reads.get_own_council(acting, pk)
    found = reads.council_member(council, member)
    form = forms.LeaveForm(request.POST, prefix=f"leave-{found.pk}")
    if not form.is_valid():
        messages.error(request, f"Not saved: left on: {form.errors.get('left_on', ['required'])[0]}")
        return redirect("reporting:voice_council", pk=council.pk)
    try:
        service.member_leaves(found, acting=acting, left_on=form.cleaned_data["left_on"])
    except service.VoiceError as exc:
        messages.error(request, f"Not saved: {exc}")
    else:
        messages.success(request, f"{found.name} has left the council.")
    return redirect("reporting:voice_council", pk=council.pk)


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def meeting_add(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    council = reads.get_own_council(acting, pk)
    form = forms.MeetingForm(request.POST, council=council)
    if form.is_valid():
        try:
            service.record_meeting(council, acting=acting, **form.cleaned_data)
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Meeting recorded.")
            return redirect("reporting:voice_council", pk=council.pk)
    return _bad(request, "reporting/voice/council.html",
                _council_context(acting, council, meeting_form=form),
                "Meeting not recorded: see the errors in the form.")


@require_safe
@require_acting(*READERS)
def councils_download(request: HttpRequest, acting: Acting, fmt: str) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for council in reads.councils_for(acting).prefetch_related("members"):
        c = reads.composition(council, council.members.all(), on=today)
        rows.append([council.name, council.owner.name, council.get_counts_display(),
                     c.minimum_label, c.current, c.consumers, c.lived_experience, c.counted,
                     f"{c.percent}%" if c.percent is not None else "",
                     "meets" if c.meets else "misses", council.other_rules])
    return table_download("advisory-councils", _fmt(fmt), [
        "Council", "Kept by", "Counts toward the rule", "Rule minimum", "Current members",
        "Consumers", "Lived experience", "Counted", "Share", "Rule", "Other rules"], rows,
        definitions=COMPOSITION_TERMS)


@require_safe
@require_acting(*READERS)
def council_members_download(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    council = reads.get_council(acting, pk)
    keeper = council.owner_id == acting.organisation.pk
    today = timezone.localdate()
    rows = [[m.name, reads.contact_shown(m, keeper=keeper), m.organisation,
             "yes" if m.consumer else "no", "yes" if m.lived_experience else "no", m.other_roles,
             m.joined_on, m.left_on or "", "yes" if reads.is_current(m, today) else "no",
             "yes" if m.consent_to_contact else "no"] for m in council.members.all()]
    return table_download(f"council-{council.pk}-members", _fmt(fmt), [
        "Name", "Contact", "Organisation", "Consumer", "Lived experience", "Other roles",
        "Joined", "Left", "Current", "Consents to be contacted"], rows,
        definitions=COMPOSITION_TERMS)


@require_safe
@require_acting(*READERS)
def council_meetings_download(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    council = reads.get_council(acting, pk)
    rows = [[m.held_on, m.agenda, m.notes, ", ".join(a.name for a in m.attendance.all())]
            for m in council.meetings.prefetch_related("attendance")]
    return table_download(f"council-{council.pk}-meetings", _fmt(fmt),
                          ["Held on", "Agenda", "Notes", "Attended"], rows)


# --- touch points -------------------------------------------------------------------------

def _touch_context(acting: Acting, form: forms.TouchPointForm | None = None,
                   asks: list[reads.RecentAsk] | None = None) -> dict[str, Any]:
    return {"points": list(reads.touch_points_for(acting)[:200]),
            "form": form or forms.TouchPointForm(acting=acting,
                                                 initial={"held_on": timezone.localdate()}),
            "asks": asks or [], "window": reads.repeat_ask_days(),
            "may_edit": acting.has_role(*EDITORS), "terms": TOUCH_POINT_TERMS}


@require_safe
@require_acting(*READERS)
def touch_points(request: HttpRequest, acting: Acting) -> HttpResponse:
    return render(request, "reporting/voice/touch_points.html", _touch_context(acting))


@require_http_methods(["POST"])
@require_acting(*EDITORS)
def touch_point_create(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = forms.TouchPointForm(request.POST, acting=acting)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            point = service.record_touch_point(acting=acting, **data)
        except service.RepeatAsk as repeat:
            # Ask again with the earlier touch points shown; the next submit confirms.
            confirming = forms.TouchPointForm(
                {**request.POST.dict(), "council_members": request.POST.getlist("council_members"),
                 "confirm": "on"}, acting=acting)
            confirming.is_valid()
            response = render(request, "reporting/voice/touch_points.html",
                              _touch_context(acting, confirming, repeat.asks))
            response.status_code = 409
            return response
        except service.VoiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Touch point saved" + (
                " (confirmed despite a recent ask)." if point.confirmed_despite_recent_ask else "."))
            return redirect("reporting:voice_touch_points")
    return _bad(request, "reporting/voice/touch_points.html", _touch_context(acting, form),
                "Touch point not saved: see the errors in the form.")


@require_safe
@require_acting(*READERS)
def touch_points_download(request: HttpRequest, acting: Acting, fmt: str) -> HttpResponse:
    rows = [[p.held_on, p.topic, p.get_channel_display(),
             ", ".join(m.name for m in p.council_members.all()), p.cbo.name if p.cbo else "",
             p.group_label, p.questions, p.asked_by,
             "yes" if p.confirmed_despite_recent_ask else "no"]
            for p in reads.touch_points_for(acting)]
    return table_download("touch-points", _fmt(fmt), [
        "Date", "Topic", "Channel", "Council members asked", "CBO asked", "Group asked",
        "Questions", "By whom", "Confirmed despite recent ask"], rows,
        definitions=TOUCH_POINT_TERMS)

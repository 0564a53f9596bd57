"""Joint operating committee pages: committees, a committee, preparing a meeting (agenda,
period, data domains, story, case-conference list) and holding it (attendance, minutes,
action items, conference notes), then sending the pack.

Readers: the committee's parties (hub, plan, CBO supervisors on it); writers: hub
administrators and coordinators and the plan's manager. Anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.contracts.selectors import contracts_in_effect
from carehub.htmx_forms import form_errors
from carehub.reporting.forms.joc import (
    ActionForm,
    CommitteeForm,
    ConferenceNoteForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    StoryForm,
)
from carehub.reporting.models.joc import ActionItem, Committee, Meeting, MeetingStatus
from carehub.reporting.selectors import joc as selectors
from carehub.reporting.services import joc as services
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)


def _may_write(acting: Acting) -> bool:
    return acting.has_role(*selectors.WRITERS)


def _writer(acting: Acting) -> None:
    if not _may_write(acting):
        raise Http404("Not found")


def _people(committee: Committee) -> list[tuple[int, str]]:
    """Users of the committee's organisations (to choose members and owners)."""
    orgs = committee.parties.values("organisation_id")
    with scopes_disabled():
        users = (User.objects.filter(memberships__organisation_id__in=orgs,
                                     memberships__is_active=True, is_active=True)
                 .distinct().order_by("last_name", "first_name", "pk"))
        return [(u.pk, f"{u.first_name} {u.last_name}".strip() or u.username) for u in users]


def _organisations(committee: Committee) -> list[Organisation]:
    ids = set(committee.parties.values_list("organisation_id", flat=True))
    if committee.contract is not None:
        ids |= set(committee.contract.delivering_cbos.values_list("pk", flat=True))
    with scopes_disabled():
        return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def _user(pk: int | None, committee: Committee) -> Any:
    if pk is None:
        return None
    if pk not in {p for p, _ in _people(committee)}:
        raise ValidationError({"user": "Choose one of the committee's organisations' users."})
    with scopes_disabled():
        return User.objects.get(pk=pk)


@require_acting(*selectors.READERS)
def committees(request: HttpRequest, acting: Acting) -> HttpResponse:
    hub = acting.organisation.kind == OrganisationKind.HUB and acting.has_role(*HUB)
    contracts = ([c for c in contracts_in_effect(acting.organisation)
                  if c.provider_id == acting.organisation.pk] if hub else [])
    form = CommitteeForm(request.POST or None, contracts=contracts)
    if request.method == "POST":
        if not hub:
            raise Http404("Not found")
        if form.is_valid():
            contract = next(c for c in contracts if c.pk == form.cleaned_data["contract"])
            committee = services.create_committee(
                acting=acting, hub=acting.organisation, plan=contract.payer, contract=contract,
                name=form.cleaned_data["name"], cadence=form.cleaned_data["cadence"])
            return redirect("reporting:joc_committee", committee.pk)
    rows = list(selectors.committees_for(acting))
    response = render(request, "reporting/joc/committees.html",
                      {"committees": rows, "form": form if hub and contracts else None})
    if request.method == "POST":
        response.status_code = 400
    return response


@require_acting(*selectors.READERS)
def committee_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    committee = selectors.get_committee(acting, pk)
    people = _people(committee)
    orgs = _organisations(committee)
    member_form = MemberForm(None, users=people, organisations=[(o.pk, o.name) for o in orgs])
    meeting_form = MeetingForm(None, initial={"period": timezone.localdate().strftime("%Y-%m"),
                                              "domains": ["funnel", "barriers"]})
    status = 200
    if request.method == "POST":
        _writer(acting)
        if request.POST.get("form") == "member":
            member_form = MemberForm(request.POST, users=people,
                                     organisations=[(o.pk, o.name) for o in orgs])
            if member_form.is_valid():
                data = member_form.cleaned_data
                org = next((o for o in orgs if o.pk == data["organisation"]), None)
                try:
                    services.add_member(committee, acting=acting, role=data["role"],
                                        user=_user(data["user"], committee), name=data["name"],
                                        email=data["email"], organisation=org)
                    return redirect("reporting:joc_committee", committee.pk)
                except ValidationError as exc:
                    member_form.add_error(None, exc)
        else:
            meeting_form = MeetingForm(request.POST)
            if meeting_form.is_valid():
                data = meeting_form.cleaned_data
                meeting = services.plan_meeting(committee, acting=acting,
                                                starts_at=data["starts_at"],
                                                period=data["period"], domains=data["domains"])
                return redirect("reporting:joc_prepare", meeting.pk)
        status = 400
    meetings = list(committee.meetings.order_by("-starts_at", "-pk"))
    contract = committee.contract
    return render(request, "reporting/joc/committee.html", {
        "committee": committee, "by_role": selectors.members_by_role(committee),
        "meetings": meetings, "open_actions": selectors.open_actions(committee),
        "may_write": _may_write(acting), "member_form": member_form,
        "meeting_form": meeting_form,
        "scope": {"joc_members": contract.joc_members if contract else "",
                  "case_conferencing": contract.case_conferencing_cadence if contract else "",
                  "participants": contract.case_conferencing_participants if contract else ""},
    }, status=status)


def _meeting_context(acting: Acting, meeting: Meeting) -> dict[str, Any]:
    return {"meeting": meeting, "committee": meeting.committee, "may_write": _may_write(acting),
            "actions": selectors.actions_for(meeting),
            "stories": list(meeting.stories.all()),
            "entries": selectors.conference_entries(acting, meeting),
            "agenda": selectors.AGENDA, "domains": selectors.DOMAINS}


@require_acting(*selectors.READERS)
def prepare(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """Before the meeting: when, which month, which data domains; the story; the
    case-conference list from the hub's lists."""
    meeting = selectors.get_meeting(acting, pk)
    members = list(selectors.story_members(acting)) if _may_write(acting) else []
    plan_form = MeetingForm(None, initial={"starts_at": timezone.localtime(meeting.starts_at)
                                           .strftime("%Y-%m-%dT%H:%M"),
                                           "period": meeting.period, "domains": meeting.domains})
    story_form = StoryForm(None, members=members)
    status = 200
    if request.method == "POST":
        _writer(acting)
        which = request.POST.get("form")
        if which == "plan":
            plan_form = MeetingForm(request.POST)
            if plan_form.is_valid():
                d = plan_form.cleaned_data
                services.update_plan(meeting, acting=acting, starts_at=d["starts_at"],
                                     period=d["period"], domains=d["domains"])
                return redirect("reporting:joc_prepare", meeting.pk)
        elif which == "story":
            story_form = StoryForm(request.POST, members=members)
            if story_form.is_valid():
                d = story_form.cleaned_data
                member = next(m for m in members if m.pk == d["member"])
                try:
                    services.add_story(meeting, acting=acting, member=member,
                                       told_by=d["told_by"], title=d["title"], text=d["text"])
                    return redirect("reporting:joc_prepare", meeting.pk)
                except ValidationError as exc:
                    story_form.add_error(None, exc)
        elif which == "conference":
            candidates = {r.member_pk: r for r in selectors.conference_candidates(
                acting, meeting.committee, audit_reads=False)}
            chosen = [int(x) for x in request.POST.getlist("members") if x.isdigit()]
            for member_pk in chosen:
                row = candidates.get(member_pk)
                if row is None:
                    raise Http404("Not found")
                services.list_for_conference(meeting, acting=acting,
                                             member=selectors.get_visible_member(acting,
                                                                                 member_pk),
                                             reason=row.reason, unresolved=row.unresolved)
            return redirect("reporting:joc_prepare", meeting.pk)
        status = 400
    context = _meeting_context(acting, meeting)
    listed = {e.member_id for e in context["entries"]}
    lists = (selectors.conference_lists(acting, meeting.committee)
             if _may_write(acting) else None)
    context.update({
        "plan_form": plan_form, "story_form": story_form, "story_members": members,
        "candidates": [r for r in lists.rows if r.member_pk not in listed] if lists else [],
        "more": [(selectors.GROUP_LABELS[g], lists.more(g), lists.counts[g])
                 for g in lists.counts if lists.more(g) > 0] if lists else [],
    })
    return render(request, "reporting/joc/prepare.html", context, status=status)


@require_acting(*selectors.READERS)
def hold(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """During and after the meeting: attendance, minutes, action items, conference notes."""
    meeting = selectors.get_meeting(acting, pk)
    committee = meeting.committee
    people = [(m.pk, m.display_name) for m, _ in selectors.attendance(meeting)]
    present = [m.pk for m, here in selectors.attendance(meeting) if here]
    minutes_form = MinutesForm(None, instance=meeting, people=people,
                               initial={"present": present})
    users = _people(committee)
    action_form = ActionForm(None, users=users)
    status = 200
    if request.method == "POST":
        _writer(acting)
        if request.POST.get("form") == "action":
            action_form = ActionForm(request.POST, users=users)
            if action_form.is_valid():
                d = action_form.cleaned_data
                try:
                    services.add_action(meeting, acting=acting, text=d["text"],
                                        due_on=d["due_on"], owner=_user(d["owner"], committee),
                                        owner_name=d["owner_name"])
                    return redirect("reporting:joc_hold", meeting.pk)
                except ValidationError as exc:
                    action_form.add_error(None, exc)
        else:
            minutes_form = MinutesForm(request.POST, instance=Meeting.objects.get(pk=meeting.pk),
                                       people=people)
            if minutes_form.is_valid():
                services.record_minutes(
                    meeting, acting=acting,
                    minutes={k: minutes_form.cleaned_data[k] for k in services.MINUTES_FIELDS},
                    present=set(minutes_form.cleaned_data["present"]))
                return redirect("reporting:joc_hold", meeting.pk)
        status = 400
    context = _meeting_context(acting, meeting)
    context.update({"minutes_form": minutes_form, "action_form": action_form,
                    "note_form": ConferenceNoteForm(),
                    "recipients": services.recipients(meeting)})
    return render(request, "reporting/joc/hold.html", context, status=status)


@require_POST
@require_acting(*selectors.WRITERS)
def close_action(request: HttpRequest, acting: Acting, pk: int, item: int) -> HttpResponse:
    meeting = selectors.get_meeting(acting, pk)
    found = ActionItem.objects.filter(pk=item, committee=meeting.committee).first()
    if found is None:
        raise Http404("Not found")
    services.close_action(found, acting=acting, meeting=meeting)
    if request.headers.get("HX-Request"):
        return render(request, "reporting/joc/_action.html",
                      {"a": found, "meeting": meeting, "may_write": True, "state": "done"})
    return redirect("reporting:joc_hold", meeting.pk)


@require_POST
@require_acting(*selectors.WRITERS)
def conference_note(request: HttpRequest, acting: Acting, pk: int, entry: int) -> HttpResponse:
    meeting = selectors.get_meeting(acting, pk)
    found = selectors.get_entry(acting, meeting, entry)
    form = ConferenceNoteForm(request.POST)
    if not form.is_valid():
        return form_errors(request, "The note was not saved.", form)
    services.conference_note(found, acting=acting, note=form.cleaned_data["note"],
                             follow_up=form.cleaned_data["follow_up"])
    if request.headers.get("HX-Request"):
        return render(request, "reporting/joc/_entry.html",
                      {"e": found, "meeting": meeting, "may_write": True, "saved": True})
    return redirect("reporting:joc_hold", meeting.pk)


@require_POST
@require_acting(*selectors.WRITERS)
def send(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """Finish: the pack and notes go to the core team and the absent."""
    meeting = selectors.get_meeting(acting, pk)
    if meeting.status == MeetingStatus.PLANNED:
        return form_errors(request, "Record the minutes before sending the pack.")
    services.send_pack(meeting, acting=acting)
    return redirect("reporting:joc_pack", meeting.pk)


@require_safe
@require_acting(*selectors.READERS)
def meeting_redirect(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting(acting, pk)
    target = "reporting:joc_prepare" if meeting.status == MeetingStatus.PLANNED \
        else "reporting:joc_hold"
    return redirect(target, meeting.pk)

"""Referral pages: worker inbox, referral and member pages with htmx actions, supervisor,
hub coordinator and plan views. Objects of another organisation answer 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.contracts.models import Contract
from carehub.core.referral_states import STATE_LABELS, State, allowed_targets
from carehub.core.spreadsheet import SafeWriter
from carehub.htmx_forms import form_errors
from carehub.listing import Column, listing
from carehub.members.models import Member
from carehub.referrals import escalation_queues, filters, forms, selectors, services, uploads
from carehub.referrals.member_card import member_card
from carehub.referrals.models import (
    OPEN_STATES,
    Barrier,
    Consent,
    Escalation,
    PathwayStep,
    Referral,
)
from carehub.referrals.services.refer_on import latest_screening
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, network_cbos, require_acting
from carehub.tenancy.models import Organisation, Role

WORKERS = roles.CBO
HUB = roles.HUB
PLAN = roles.PLAN
READERS = roles.STAFF


INBOX_COLUMNS = [Column("Member", "member"), Column("State", "state"),
                 Column("Next action"), Column("Due", "due"),
                 Column("Service", "service", "hide-sm")]


@require_acting(*WORKERS)
def inbox(request: HttpRequest, acting: Acting) -> HttpResponse:
    everyone = acting.has_role(Role.CBO_SUPERVISOR) or request.GET.get("all") == "1"
    found = listing(request, filters.InboxFilterSet,
                    selectors.open_referrals(acting, everyone=everyone), INBOX_COLUMNS,
                    states=OPEN_STATES)
    rows = selectors.listed(request, acting, found.rows, object_type="referral_inbox",
                            object_id="all" if everyone else "mine")
    return render(request, "referrals/inbox.html",
                  {"rows": rows, "everyone": everyone, "listing": found,
                   "listing_keep": [("all", "1")] if request.GET.get("all") == "1" else []})


def _panel_context(request: HttpRequest, acting: Acting, referral: Referral,
                   bound: dict[str, Any] | None = None) -> dict[str, Any]:
    member = referral.member
    timeline, shared = selectors.member_timeline(request, acting, member)
    language = request.GET.get("lang") or request.POST.get("lang") or "en"
    language = language if language in ("en", "es") else "en"
    version = {"version": referral.version}
    balance = services.fund_balance(member.pk, services.contract_of(referral),
                                   timezone.localdate())
    escalations = selectors.referral_escalations(acting, referral)
    ctx: dict[str, Any] = {
        "referral": referral, "member": member, "timeline": timeline, "shared": shared,
        "targets": [(s.value, STATE_LABELS[s]) for s in sorted(
            allowed_targets(State(referral.state)), key=list(State).index)],
        "can_work": acting.organisation.pk == referral.organisation_id,
        "transition_form": forms.TransitionForm(initial=version),
        "attempt_form": forms.AttemptForm(initial=version),
        "service_form": forms.ServiceForm(initial={"service_code": referral.service_code}),
        "note_form": forms.NoteForm(), "escalation_form": forms.EscalationForm(),
        "funds_form": forms.FundsForm(), "pathway_form": forms.PathwayForm(),
        "visit_form": forms.VisitForm(),
        "language": language, "items": forms.screening_items(language),
        "spanish_verified": forms.spanish_texts()["verified"],
        "escalations": escalations,
        "answerable": [x.pk for x in escalations if x.resolved_at is None
                       and escalation_queues.may_answer(acting, referral, x.role)],
        "open_escalations": Escalation.objects.filter(referral=referral,
                                                      resolved_at__isnull=True).count(),
        "pathways": selectors.referral_pathways(acting, referral),
        "balance": balance,
        "preference": selectors.contact_preference(member),
        "card": member_card(request, acting, referral),
        "workers": User.objects.filter(memberships__organisation=referral.organisation,
                                       memberships__is_active=True).distinct()
        if acting.has_role(Role.CBO_SUPERVISOR) else [],
    }
    ctx.update(_screening_context(acting, referral, ctx))
    from carehub.referrals.views_routing import routing_note  # views_routing imports this module

    ctx["routing"] = routing_note(acting, referral)
    if bound:
        ctx.update(bound)
    return ctx


def _screening_context(acting: Acting, referral: Referral,
                       ctx: dict[str, Any]) -> dict[str, Any]:
    """The referral's latest screening (under the sharing rule), its form filled with the
    answers so far when it is incomplete, and where its positive domains can go."""
    latest = latest_screening(referral)
    if latest is not None and not selectors.sharing(
            referral.member_id, acting.organisation).may_read(latest.organisation_id):
        latest = None
    finishing = latest if latest is not None and not latest.complete else None
    if finishing is not None:
        for item in ctx["items"]:
            given = finishing.answers.get(item["loinc"])
            chosen = set([given] if isinstance(given, str) else given or [])
            item["unanswered"] = not chosen
            for option in item["options"]:
                option["checked"] = option["code"] in chosen
    working = ctx["can_work"] and referral.is_open
    return {"screening": latest, "finishing": finishing, "item_count": len(ctx["items"]),
            "refer_on": services.refer_on_choices(referral)
            if working and latest is not None else []}


@require_acting(*READERS)
def referral_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    referral = selectors.get_referral(request, acting, pk)
    return render(request, "referrals/referral.html", _panel_context(request, acting, referral))


def _action(handler: Callable[..., Any],
            form_name: str, form_class: type) -> Callable[..., HttpResponse]:
    """A POST action on one referral owned by the acting CBO; re-renders the panel."""

    @require_acting(*WORKERS)
    def view(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
        if request.method != "POST":
            raise Http404("Not found")
        referral = selectors.get_referral(request, acting, pk)
        if referral.organisation_id != acting.organisation.pk:
            raise Http404("Not found")
        form = form_class(request.POST)
        error = ""
        status = 200
        if form.is_valid():
            try:
                handler(request, acting, referral, **form.cleaned_data)
            except services.ConflictError as exc:
                error, status = str(exc), 409
            except services.ReferralError as exc:
                error, status = str(exc), 400
        else:
            error, status = "Not saved: please correct the fields below.", 400
        if error and status == 400 and request.htmx:  # type: ignore[attr-defined]
            # Shown beside the form (static/carehub/forms.js); the typed input stays.
            return form_errors(request, error, form)
        referral = selectors.get_referral(request, acting, pk)
        bound = {form_name: form, "error": error, "error_form": form_name} if error else {
            "ok": "Saved."}
        if not request.htmx:  # type: ignore[attr-defined]
            if error:
                messages.error(request, error)
            return redirect("referrals:detail", pk=pk)
        response = render(request, "referrals/_panel.html",
                          _panel_context(request, acting, referral, bound))
        response.status_code = status if status != 409 else 200
        if status == 409:
            response["X-Conflict"] = "1"
        return response

    return view


def _do_transition(request: HttpRequest, acting: Acting, referral: Referral, *, version: int,
                   target: str, close_reason: str, decline_reason: str, note: str,
                   open_escalations: str = "") -> None:
    services.transition(referral, version, target, acting=acting, close_reason=close_reason,
                        decline_reason=decline_reason, note=note,
                        open_escalations=open_escalations)


def _do_attempt(request: HttpRequest, acting: Acting, referral: Referral, *, version: int,
                channel: str, outcome: str, note: str) -> None:
    services.record_attempt(referral, version, channel=channel, outcome=outcome,
                            acting=acting, note=note)


def _do_service(request: HttpRequest, acting: Acting, referral: Referral, *, service_code: str,
                date: Any, units: int, setting: str, note: str) -> None:
    services.log_service(referral, service_code=service_code, on=date, units=units,
                         setting=setting, acting=acting,
                         note=note)


def _do_note(request: HttpRequest, acting: Acting, referral: Referral, *, text: str) -> None:
    services.add_note(referral, text=text, acting=acting)


def _do_escalation(request: HttpRequest, acting: Acting, referral: Referral, *, barrier: str,
                   description: str) -> None:
    services.raise_escalation(referral, barrier=barrier, description=description,
                              acting=acting)


def _do_funds(request: HttpRequest, acting: Acting, referral: Referral, *, category: str,
              amount: str, date: Any, receipt: str) -> None:
    services.spend_funds(referral, category=category, amount=amount, on=date, receipt=receipt,
                         acting=acting)


def _do_pathway(request: HttpRequest, acting: Acting, referral: Referral, *, pathway: str,
                steps: str) -> None:
    services.start_pathway(referral, pathway=pathway, steps=steps.splitlines(),
                           acting=acting)


def _do_visit(request: HttpRequest, acting: Acting, referral: Referral, *, date: Any, kind: str,
              note: str) -> None:
    services.record_visit(referral, on=date, kind=kind, note=note, acting=acting)


class _ScreeningForm(forms.forms.Form):
    lang = forms.forms.ChoiceField(choices=[("en", "English"), ("es", "Español")])
    continuing = forms.forms.IntegerField(required=False, widget=forms.forms.HiddenInput)


def _do_screening(request: HttpRequest, acting: Acting, referral: Referral, *, lang: str,
                  continuing: int | None) -> None:
    answers = forms.screening_answers(request.POST)
    if not answers:
        raise services.ReferralError("Answer at least one question.")
    earlier = None
    if continuing:
        earlier = referral.screenings.filter(pk=continuing).first()
        if earlier is None:
            raise services.ReferralError("That screening is not one of this referral's.")
    services.record_screening(referral, answers, language=lang, acting=acting,
                              continuing=earlier)


class _ReferOnForm(forms.forms.Form):
    domain = forms.forms.CharField(max_length=20)
    organisation = forms.forms.TypedChoiceField(label="Refer to", coerce=int, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any whole number passes here; refer_on checks it against the directory again.
        value = str(self.data.get("organisation", ""))
        field = self.fields["organisation"]
        assert isinstance(field, forms.forms.TypedChoiceField)
        field.choices = [(value, value)] if value.isdecimal() and len(value) < 10 else []


def _do_refer_on(request: HttpRequest, acting: Acting, referral: Referral, *, domain: str,
                 organisation: int) -> None:
    made = services.refer_on(referral, domain=domain, organisation_id=organisation,
                             acting=acting)
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, f"Referred on to {made.organisation.name} "
                                  f"(referral {made.pk}).")


class _AssignForm(forms.VersionedForm):
    worker = forms.forms.IntegerField(required=False)


def _do_assign(request: HttpRequest, acting: Acting, referral: Referral, *, version: int,
               worker: int | None) -> None:
    if not acting.has_role(Role.CBO_SUPERVISOR):
        raise services.ReferralError("Only a supervisor assigns work to others.")
    user = User.objects.filter(pk=worker).first() if worker else None
    services.assign_worker(referral, version, user, acting=acting)


transition = _action(_do_transition, "transition_form", forms.TransitionForm)
attempt = _action(_do_attempt, "attempt_form", forms.AttemptForm)
service = _action(_do_service, "service_form", forms.ServiceForm)
note = _action(_do_note, "note_form", forms.NoteForm)
escalate = _action(_do_escalation, "escalation_form", forms.EscalationForm)
funds = _action(_do_funds, "funds_form", forms.FundsForm)
pathway = _action(_do_pathway, "pathway_form", forms.PathwayForm)
visit = _action(_do_visit, "visit_form", forms.VisitForm)
screening = _action(_do_screening, "screening_form", _ScreeningForm)
assign = _action(_do_assign, "assign_form", _AssignForm)
refer_on = _action(_do_refer_on, "refer_on_form", _ReferOnForm)


@require_acting(*WORKERS)
def step_done(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found")
    step = PathwayStep.objects.select_related("pathway__referral").filter(
        pk=pk, pathway__organisation=acting.organisation).first()
    if step is None:
        raise Http404("Not found")
    try:
        services.complete_step(step, acting=acting)
    except services.ReferralError as exc:
        messages.error(request, str(exc))
    return redirect("referrals:detail", pk=step.pathway.referral_id)


@require_acting(*READERS)
def member_page(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    member = selectors.get_member(request, acting, pk)
    timeline, shared = selectors.member_timeline(request, acting, member)
    referrals = list(selectors.referrals_for(acting.organisation).filter(member=member)
                     .select_related("organisation").order_by("-created_at"))
    return render(request, "referrals/member.html", {
        "member": member, "timeline": timeline, "shared": shared, "referrals": referrals,
        "consents": selectors.consents(member), "preference": selectors.contact_preference(member),
        "consent_form": forms.ConsentForm(), "contact_form": forms.ContactForm(
            initial=_contact_initial(member)),
        "can_record": acting.has_role(*WORKERS, *HUB),
    })


def _contact_initial(member: Member) -> dict[str, Any]:
    pref = selectors.contact_preference(member)
    if pref is None:
        return {"languages": member.language}
    return {f: getattr(pref, f) for f in ("do_not_contact", "preferred_channel", "phone",
                                          "best_time", "languages")}


@require_acting(*WORKERS, *HUB)
def consent_add(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    member = selectors.get_member(request, acting, pk)
    if request.method != "POST":
        raise Http404("Not found")
    form = forms.ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_consent(member, acting=acting,
                                    **form.cleaned_data)
            messages.success(request, "Consent recorded.")
        except services.ReferralError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Consent not recorded: " + "; ".join(
            f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
    return redirect("referrals:member", pk=pk)


@require_acting(*WORKERS, *HUB)
def consent_revoke(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    consent = Consent.objects.filter(pk=pk).first()
    if consent is None or request.method != "POST":
        raise Http404("Not found")
    selectors.get_member(request, acting, consent.member_id)  # 404 unless we work with them
    try:
        services.revoke_consent(consent, acting=acting)
        messages.success(request, "Consent revoked: sharing with other organisations stopped.")
    except services.ReferralError as exc:
        messages.error(request, str(exc))
    return redirect("referrals:member", pk=consent.member_id)


@require_acting(*WORKERS, *HUB)
def contact_update(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    member = selectors.get_member(request, acting, pk)
    if request.method != "POST":
        raise Http404("Not found")
    form = forms.ContactForm(request.POST)
    if form.is_valid():
        services.set_contact_preference(member, acting=acting, **form.cleaned_data)
        messages.success(request, "Contact preferences saved.")
    return redirect("referrals:member", pk=pk)


TEAM_COLUMNS = [Column("Member", "member"), Column("State", "state"),
                Column("Worker", "worker"), Column("Due", "due"),
                Column("Service", "service", "hide-sm")]


def _picked_ids(request: HttpRequest) -> set[int]:
    """The referral ids ticked in a refused bulk form, to tick them again."""
    values = (v.partition(":")[0] for v in request.POST.getlist("referral"))
    return {int(v) for v in values if v.isdecimal() and len(v) < 10}


def _team_page(request: HttpRequest, acting: Acting, *,
               form: forms.BulkAssignForm | None = None, error: str = "",
               status: int = 200) -> HttpResponse:
    workers = selectors.team_workers(acting.organisation)
    found = listing(request, filters.TeamFilterSet, selectors.open_referrals(acting),
                    TEAM_COLUMNS, states=OPEN_STATES, workers=workers)
    rows = selectors.listed(request, acting, found.rows, object_type="referral_team",
                            object_id="team")
    response = render(request, "referrals/supervisor.html", {
        "load": selectors.team_load(acting), "rows": rows, "listing": found,
        "assign_form": form or forms.BulkAssignForm(workers=workers), "error": error,
        "picked": _picked_ids(request), "query": request.GET.urlencode()})
    response.status_code = status
    return response


@require_acting(Role.CBO_SUPERVISOR)
def supervisor(request: HttpRequest, acting: Acting) -> HttpResponse:
    return _team_page(request, acting)


@require_acting(Role.CBO_SUPERVISOR)
def bulk_assign(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Assign the referrals ticked on the team view to one worker; all or nothing."""
    if request.method != "POST":
        raise Http404("Not found")
    form = forms.BulkAssignForm(request.POST,
                                workers=selectors.team_workers(acting.organisation))
    if not form.is_valid():
        return _team_page(request, acting, form=form, status=400,
                          error="Nothing was assigned: please correct the choices below.")
    picked: list[tuple[int, int]] = form.cleaned_data["referral"]
    held = {r.pk: r for r in Referral.objects.filter(
        organisation=acting.organisation, pk__in=[pk for pk, _ in picked]).select_related(
        "member", "organisation")}
    if len(held) != len({pk for pk, _ in picked}):
        raise Http404("Not found")  # a referral this CBO does not hold: as if it did not exist
    worker = form.cleaned_data["worker"]
    try:
        done = services.assign_workers([(held[pk], version) for pk, version in picked], worker,
                                       acting=acting)
    except services.ConflictError as exc:
        return _team_page(request, acting, form=form, error=str(exc), status=409)
    except services.ReferralError as exc:
        return _team_page(request, acting, form=form, error=str(exc), status=400)
    messages.success(request, f"{len(done)} referral{'s' if len(done) != 1 else ''} assigned "
                              f"to {forms.worker_name(worker)}.")
    query = request.GET.urlencode()
    return redirect(reverse("referrals:supervisor") + (f"?{query}" if query else ""))


HUB_COLUMNS = [Column("Member", "member"), Column("Organisation", "organisation"),
               Column("State", "state"), Column("Due", "due"),
               Column("Route to", css="hide-sm")]


def state_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts by state, labelled, in the order of the state machine."""
    return [(STATE_LABELS[s], counts[s.value]) for s in State if counts.get(s.value)]


@require_acting(*HUB)
def coordinator(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The hub's open referrals; new referrals are made on `views_routing.new_referral`."""
    hub = acting.organisation
    candidates: list[Organisation] = list(network_cbos(hub).order_by("name"))
    found = listing(request, filters.HubFilterSet, selectors.hub_open_referrals(hub),
                    HUB_COLUMNS, states=OPEN_STATES)
    rows = selectors.listed(request, acting, found.rows, object_type="referral_list",
                            object_id="hub-open")
    return render(request, "referrals/coordinator.html", {
        "rows": rows, "listing": found, "capacity": selectors.capacity(hub),
        "counts": state_labels(selectors.state_counts(selectors.hub_referrals(hub))),
        "needs_routing": selectors.hub_referrals(hub).filter(needs_routing=True,
                                                             state__in=OPEN_STATES).count(),
        "cbos": candidates, "now": timezone.now()})


PLAN_COLUMNS = [Column("Member", "member"), Column("Service", "service"),
                Column("Organisation", "organisation"), Column("State", "state"),
                Column("Due"), Column("How referred", css="hide-sm"), Column("Updated", "updated", "hide-sm")]


@require_acting(*PLAN)
def plan_view(request: HttpRequest, acting: Acting) -> HttpResponse:
    plan = acting.organisation
    found = listing(request, filters.PlanFilterSet, selectors.plan_referrals(plan), PLAN_COLUMNS)
    rows = selectors.listed(request, acting, found.rows, object_type="referral_list",
                            object_id="plan")
    manager = acting.has_role(Role.PAYER_MANAGER)
    return render(request, "referrals/plan.html", {
        "rows": rows, "listing": found,
        "counts": state_labels(selectors.state_counts(Referral.objects.filter(plan=plan))),
        "barriers": [{**b, "label": dict(Barrier.choices).get(b["barrier"], b["barrier"])}
                     for b in selectors.barrier_tally(plan)],
        "labels": dict(STATE_LABELS),
        "can_upload": manager,
        "can_refer": manager})


RANKED_COLUMNS = [Column("Name", "name"), Column("Service", "service"),
                  Column("Members", "members"), Column("Selected", css="hide-sm"),
                  Column("Received", "imported", "hide-sm"), Column("Assigned")]
ENTRY_COLUMNS = [Column("Rank", "rank"), Column("Member", "member"), Column("Selected"),
                 Column("Why", css="hide-sm")]


@require_acting(*PLAN, *HUB)
def ranked_lists(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The ranked lists a plan sent or a hub received (no member is named: not audited)."""
    found = listing(request, filters.RankedListFilterSet,
                    selectors.ranked_lists_for(acting.organisation), RANKED_COLUMNS)
    return render(request, "referrals/ranked_lists.html",
                  {"lists": found.rows, "listing": found,
                   "is_plan": acting.has_role(*PLAN)})


@require_acting(*PLAN, *HUB)
def ranked_list(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    from carehub.jobs.models import Job

    ranked = selectors.get_ranked_list(acting.organisation, pk)
    found = listing(request, filters.RankedEntryFilterSet, selectors.ranked_entries(ranked),
                    ENTRY_COLUMNS)
    audit.record("view", request=request, object_type="ranked_list", object_id=str(pk),
                 detail={"member_ids": [e.member_id for e in found.rows]})
    # ?job=<id>: the assignment job's outcome, its refused members named (the job
    # manager is scoped to the acting organisation: another's job is not found).
    job = None
    wanted = request.GET.get("job", "")
    if wanted:
        try:
            job = Job.objects.filter(pk=wanted, result__ranked_list=ranked.pk).first()
        except (ValueError, ValidationError):
            job = None
    may_assign = acting.has_role(*UPLOADERS)
    return render(request, "referrals/ranked_list.html",
                  {"ranked": ranked, "entries": found.rows, "listing": found, "job": job,
                   "may_assign": may_assign,
                   "assign_hubs": uploads.hubs_for(acting) if may_assign and ranked.hub_id is None
                   else []})


UPLOADERS = roles.REFERRAL_UPLOADERS


@require_acting(*UPLOADERS)
def upload(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Upload a roster or a ranked eligible list: the import runs as a job (the same
    checks and writes as `carehub import_members`, nothing saved when any row is wrong)
    and its page shows the progress, then the counts or every row problem."""
    from carehub.referrals.views_jobs import job_page

    plans = uploads.plans_for(acting)
    hubs = uploads.hubs_for(acting)
    form = forms.UploadForm(request.POST or None, request.FILES or None, plans=plans, hubs=hubs,
                            max_bytes=uploads.MAX_UPLOAD_BYTES)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            plan = next(p for p in plans if p.pk == data["plan"])
            hub = next((h for h in hubs if h.pk == data["hub"]), None)
            try:
                job = uploads.start_upload(
                    acting, kind=data["kind"], plan=plan, upload=data["file"],
                    contract_code=data["contract_code"], service_code=data["service_code"],
                    service_type=data["service_type"], hub=hub, assign=data["assign"])
            except ValueError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                return redirect(job_page(job))
        else:
            status = 400
    response = render(request, "referrals/upload.html", {
        "form": form, "is_hub": acting.has_role(*HUB)})
    response.status_code = status
    return response


@require_acting(*PLAN)
def plan_export(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Members' progress as CSV; other organisations' detail only under active consent."""
    from carehub.referrals.exports import progress_rows

    # ?contract=CODE: one of the plan's own contracts; another plan's code finds nothing.
    code = (request.GET.get("contract") or "").strip()
    contract = None
    if code:
        with scopes_disabled():
            contract = Contract.objects.filter(code=code, payer=acting.organisation).first()
        if contract is None:
            raise Http404("Not found")
    rows = progress_rows(acting.organisation, contract=contract)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="member-progress.csv"'
    writer = SafeWriter(response)  # member ids and codes from uploads: never formulas
    if rows:
        writer.writerow(list(rows[0]))
        writer.writerows([list(r.values()) for r in rows])
    audit.record("export", request=request, object_type="member_progress",
                 detail={"rows": len(rows)})
    return response

"""Referral pages: worker inbox, referral and member pages with htmx actions, supervisor,
hub coordinator and plan views. Objects of another organisation answer 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.contracts.models import Contract
from carehub.core.referral_states import STATE_LABELS, State, allowed_targets
from carehub.core.spreadsheet import SafeWriter
from carehub.htmx_forms import form_errors
from carehub.members.imports import ImportProblem
from carehub.members.models import Member
from carehub.referrals import forms, selectors, services, uploads
from carehub.referrals.models import OPEN_STATES, Consent, Escalation, PathwayStep, Referral
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, network_cbos, require_acting
from carehub.tenancy.models import Organisation, Role

WORKERS = roles.CBO
HUB = roles.HUB
PLAN = roles.PLAN
READERS = roles.STAFF


@require_acting(*WORKERS)
def inbox(request: HttpRequest, acting: Acting) -> HttpResponse:
    everyone = acting.has_role(Role.CBO_SUPERVISOR) or request.GET.get("all") == "1"
    rows = selectors.inbox(request, acting, everyone=everyone)
    return render(request, "referrals/inbox.html", {"rows": rows, "everyone": everyone})


def _panel_context(request: HttpRequest, acting: Acting, referral: Referral,
                   bound: dict[str, Any] | None = None) -> dict[str, Any]:
    member = referral.member
    timeline, shared = selectors.member_timeline(request, acting, member)
    language = request.GET.get("lang") or request.POST.get("lang") or "en"
    language = language if language in ("en", "es") else "en"
    version = {"version": referral.version}
    balance = services.fund_balance(member.pk, services.contract_of(referral),
                                   timezone.localdate())
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
        "escalations": selectors.referral_escalations(acting, referral),
        "pathways": selectors.referral_pathways(acting, referral),
        "balance": balance,
        "preference": selectors.contact_preference(member),
        "workers": User.objects.filter(memberships__organisation=referral.organisation,
                                       memberships__is_active=True).distinct()
        if acting.has_role(Role.CBO_SUPERVISOR) else [],
    }
    if bound:
        ctx.update(bound)
    return ctx


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
                   target: str, close_reason: str, decline_reason: str, note: str) -> None:
    services.transition(referral, version, target, acting=acting, close_reason=close_reason,
                        decline_reason=decline_reason, note=note)


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


def _do_screening(request: HttpRequest, acting: Acting, referral: Referral, *, lang: str) -> None:
    answers = forms.screening_answers(request.POST)
    if not answers:
        raise services.ReferralError("Answer at least one question.")
    services.record_screening(referral, answers, language=lang, acting=acting)


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


@require_acting(Role.CBO_SUPERVISOR)
def supervisor(request: HttpRequest, acting: Acting) -> HttpResponse:
    load = selectors.team_load(acting)
    rows = selectors.inbox(request, acting, everyone=True, limit=200)
    return render(request, "referrals/supervisor.html", {
        "load": load, "overdue": [r for r in rows if r.overdue],
        "unassigned": [r for r in rows if r.referral.assignee_id is None][:50]})


@require_acting(*HUB)
def coordinator(request: HttpRequest, acting: Acting) -> HttpResponse:
    hub = acting.organisation
    form = forms.ReferralCreateForm(request.POST or None)
    candidates: list[Organisation] = list(network_cbos(hub).order_by("name"))
    status = 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Only members of plans working with the hub under a contract in effect; any
        # other id gets the same answer as one that exists nowhere.
        member = Member.objects.filter(member_id=data["member_id"], access__organisation=hub,
                                       plan__in=uploads.plans_working_with(hub)).first()
        if member is None:
            messages.error(request, f"No member {data['member_id']} is shared with {hub.name}.")
            status = 400
        else:
            refusal = ""
            target = None
            try:
                uploads.check_contract_code(member.plan, hub, data["contract_code"])
                target = _route(hub, member, data, candidates)
            except uploads.NotAllowed as exc:
                refusal = str(exc)
            if target is None:
                messages.error(request, refusal or "No organisation in the network can take "
                                                   "this referral.")
                status = 400
            else:
                try:
                    referral = services.create_referral(
                        member=member, organisation=target, hub=hub,
                        service_code=data["service_code"], contract_code=data["contract_code"],
                        service_type=data["service_type"], anchor_date=data["anchor_date"],
                        override_reason=data.get("override_reason") or "", acting=acting)
                    messages.success(request, f"Referred to {target.name} (referral {referral.pk}).")
                    return redirect("referrals:coordinator")
                except services.AlreadyOwned as exc:
                    messages.error(request, str(exc))
                    status = 409
                except services.ReferralError as exc:
                    messages.error(request, str(exc))
                    status = 400
    open_qs = (Referral.objects.filter(hub=hub, state__in=OPEN_STATES)
               .select_related("member", "organisation").order_by(selectors.DUE_NULLS_LAST, "pk"))
    rows = list(open_qs[:200])
    audit.record("view", request=request, object_type="referral_list", object_id="hub-open",
                 detail={"member_ids": [r.member_id for r in rows]})
    response = render(request, "referrals/coordinator.html", {
        "form": form, "rows": rows, "capacity": selectors.capacity(hub),
        "counts": selectors.state_counts(Referral.objects.filter(hub=hub)),
        "cbos": candidates, "now": timezone.now()})
    response.status_code = status
    return response


def _route(hub: Organisation, member: Member, data: dict[str, Any],
           candidates: list[Organisation]) -> Organisation | None:
    """The coordinator's choice, else the directory's first accepting CBO, else the least
    loaded network CBO."""
    if data.get("organisation"):
        return next((c for c in candidates if c.pk == data["organisation"]), None)
    from carehub.referrals.routing import route

    return route(hub, member, data.get("service_type") or "", candidates)


@require_acting(*HUB)
def reroute(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    referral = Referral.objects.filter(pk=pk, hub=acting.organisation).select_related(
        "member").first()
    if referral is None or request.method != "POST":
        raise Http404("Not found")
    organisation = request.POST.get("organisation") or "0"
    version = request.POST.get("version") or "0"
    if not all(v.isdecimal() and len(v) < 10 for v in (organisation, version)):  # 400, not 500
        return HttpResponseBadRequest("organisation and version must be whole numbers.",
                                      content_type="text/plain; charset=utf-8")
    target = network_cbos(acting.organisation).filter(pk=int(organisation)).first()
    if target is None:
        messages.error(request, "Choose an organisation of your network.")
    else:
        try:
            services.reroute(referral, int(version), target,
                             acting=acting)
            messages.success(request, f"Referral {pk} moved to {target.name}.")
        except services.ReferralError as exc:
            messages.error(request, str(exc))
    return redirect("referrals:coordinator")


@require_acting(*PLAN)
def plan_view(request: HttpRequest, acting: Acting) -> HttpResponse:
    plan = acting.organisation
    rows = list(Referral.objects.filter(plan=plan).select_related("member", "organisation")
                .order_by("-updated_at")[:200])
    audit.record("view", request=request, object_type="referral_list", object_id="plan",
                 detail={"member_ids": [r.member_id for r in rows]})
    manager = acting.has_role(Role.PAYER_MANAGER)
    return render(request, "referrals/plan.html", {
        "rows": rows, "counts": selectors.state_counts(Referral.objects.filter(plan=plan)),
        "barriers": selectors.barrier_tally(plan), "labels": dict(STATE_LABELS),
        "can_upload": manager,
        "refer_form": forms.PlanReferForm(hubs=uploads.hubs_for(acting)) if manager else None})


UPLOADERS = roles.REFERRAL_UPLOADERS


@require_acting(*UPLOADERS)
def upload(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Upload a roster or a ranked eligible list; the same checks and writes as
    `carehub import_members`, nothing saved when any row is wrong."""
    plans = uploads.plans_for(acting)
    hubs = uploads.hubs_for(acting)
    form = forms.UploadForm(request.POST or None, request.FILES or None, plans=plans, hubs=hubs,
                            max_bytes=uploads.MAX_UPLOAD_BYTES)
    result: uploads.UploadResult | None = None
    problem: ImportProblem | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            plan = next(p for p in plans if p.pk == data["plan"])
            hub = next((h for h in hubs if h.pk == data["hub"]), None)
            try:
                result = uploads.run_upload(
                    acting, kind=data["kind"], plan=plan, upload=data["file"],
                    contract_code=data["contract_code"], service_code=data["service_code"],
                    service_type=data["service_type"], hub=hub, assign=data["assign"])
            except ImportProblem as exc:
                problem, status = exc, 400
            except ValueError as exc:
                messages.error(request, str(exc))
                status = 400
        else:
            status = 400
    response = render(request, "referrals/upload.html", {
        "form": form, "result": result, "problem": problem,
        "is_hub": acting.has_role(*HUB)})
    response.status_code = status
    return response


@require_acting(Role.PAYER_MANAGER)
def plan_refer(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The plan refers one of its members to a hub; the hub's routing picks the CBO."""
    if request.method != "POST":
        raise Http404("Not found")
    plan = acting.organisation
    hubs = uploads.hubs_for(acting)
    form = forms.PlanReferForm(request.POST, hubs=hubs)
    if not form.is_valid():
        messages.error(request, "Referral not made: " + "; ".join(
            f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
        return redirect("referrals:plan")
    data = form.cleaned_data
    hub = next(h for h in hubs if h.pk == data["hub"])
    member = Member.objects.filter(plan=plan, member_id=data["member_id"]).first()
    if member is None:
        messages.error(request, f"No member {data['member_id']} on {plan.name}'s roster.")
        return redirect("referrals:plan")
    try:
        uploads.check_contract_code(plan, hub, data["contract_code"])
    except uploads.NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("referrals:plan")
    target = _route(hub, member, {"service_type": data["service_type"]},
                    list(network_cbos(hub).order_by("name")))
    if target is None:
        messages.error(request, f"{hub.name}'s network has no organisation to take this "
                                "referral.")
        return redirect("referrals:plan")
    try:
        referral = services.create_referral(
            member=member, organisation=target, hub=hub, service_code=data["service_code"],
            contract_code=data["contract_code"], service_type=data["service_type"],
            source="plan", acting=acting)
    except services.ReferralError as exc:
        messages.error(request, str(exc))
        return redirect("referrals:plan")
    messages.success(request, f"Member {member.member_id} referred to {hub.name}, routed to "
                              f"{target.name} (referral {referral.pk}).")
    return redirect("referrals:plan")


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


@require_acting(*READERS)
def escalation_resolve(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    row = Escalation.objects.filter(
        pk=pk, referral__in=selectors.referrals_for(acting.organisation)).first()
    if row is None or request.method != "POST":
        raise Http404("Not found")
    if acting.role != row.role and not acting.has_role(*HUB):
        messages.error(request, f"This escalation waits for the {row.role.replace('_', ' ')}.")
        return redirect("referrals:detail", pk=row.referral_id)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_escalation(row, resolution=form.cleaned_data["resolution"],
                                        acting=acting)
            messages.success(request, "Escalation resolved.")
        except services.ReferralError as exc:
            messages.error(request, str(exc))
    return redirect("referrals:detail", pk=row.referral_id)

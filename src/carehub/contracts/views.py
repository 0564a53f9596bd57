from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from carehub.contracts import departures, selectors, services, terms_display
from carehub.contracts import forms as cforms
from carehub.contracts.models import STAGE_ORDER, Contract, Stage
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, network_cbos, require_acting
from carehub.tenancy.models import Membership, Organisation, OrganisationKind, Role

READ_ROLES = roles.EVERYONE
EDIT_ROLES = roles.CONTRACT_EDITORS
CREDENTIAL_ROLES = roles.CREDENTIAL_EDITORS
EXPIRY_WARNING_DAYS = 30


def _contract(acting: Acting, code: str, *, edit: bool = False) -> tuple[Contract, bool]:
    contract = selectors.get_contract(acting.organisation, code)
    can_edit = selectors.may_edit(contract, acting.organisation, acting.role)
    if edit and not can_edit:
        raise Http404("Not found")
    return contract, can_edit


@require_acting(*READ_ROLES)
def contract_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip()[:80] for key in ("stage", "q", "renewal")}
    contracts = selectors.contracts_visible_to(acting.organisation).select_related("payer", "provider")
    if filters["stage"] in STAGE_ORDER:
        contracts = contracts.filter(stage=filters["stage"])
    if filters["q"]:
        q = filters["q"]
        contracts = contracts.filter(Q(code__icontains=q) | Q(name__icontains=q)
                                     | Q(payer__name__icontains=q) | Q(provider__name__icontains=q))
    today = timezone.localdate()
    org = acting.organisation
    rows = [(c, services.renewal_due(c, today), selectors.counterpart_status(c, org))
            for c in contracts]
    if filters["renewal"] == "due":
        rows = [(c, due, agreement) for c, due, agreement in rows if due]
    return render(request, "contracts/list.html", {
        "rows": rows, "filters": filters, "stages": [(s, Stage(s).label) for s in STAGE_ORDER],
        "can_create": acting.has_role(*EDIT_ROLES)
        and acting.organisation.kind in (OrganisationKind.HUB, OrganisationKind.PAYER),
    })


@require_acting(*EDIT_ROLES)
def contract_new(request: HttpRequest, acting: Acting) -> HttpResponse:
    org = acting.organisation
    if org.kind == OrganisationKind.HUB:
        payers = Organisation.objects.filter(kind=OrganisationKind.PAYER, is_active=True)
        providers = Organisation.objects.filter(pk=org.pk)
        cbos = network_cbos(org)
    elif org.kind == OrganisationKind.PAYER:
        payers = Organisation.objects.filter(pk=org.pk)
        providers = Organisation.objects.filter(
            kind__in=[OrganisationKind.HUB, OrganisationKind.CBO], is_active=True)
        cbos = Organisation.objects.filter(kind=OrganisationKind.CBO, is_active=True)
    else:
        raise Http404("Not found")
    form = cforms.ContractForm(request.POST or None, payers=payers, providers=providers, cbos=cbos)
    if request.method == "POST" and form.is_valid():
        provider = form.cleaned_data["provider"]
        delivering = list(form.cleaned_data.get("delivering_cbos") or [])
        allowed = set(network_cbos(provider).values_list("pk", flat=True)) \
            if provider.kind == OrganisationKind.HUB else set()
        outside = [c.name for c in delivering if c.pk not in allowed]
        if outside:
            form.add_error("delivering_cbos",
                           f"Not in {provider.name}'s network: {', '.join(outside)}")
        else:
            contract = form.save(commit=False)
            contract.stage = Stage.SHARED_VISION
            services.create_contract(contract, delivering, acting=acting)
            other = contract.provider if org.pk == contract.payer_id else contract.payer
            messages.success(request, f"Contract {contract.code} proposed. It takes effect "
                                      f"when {other.name} accepts it.")
            return redirect("contracts:detail", code=contract.code)
    return render(request, "contracts/new.html", {"form": form})


@require_acting(*READ_ROLES)
def contract_detail(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract, can_edit = _contract(acting, code)
    today = timezone.localdate()
    # Lazily, as well as nightly (`carehub contract remind`): the first visit in the
    # notice window creates the renewal task.
    if services.prompt_renewal(contract, today, acting=acting):
        messages.info(request, "Renewal discussions are now due: a renewal task was added.")
    rows = services.checklist_rows(contract)
    return render(request, "contracts/detail.html", {
        "contract": contract, "can_edit": can_edit, "rows": rows,
        "agreement": selectors.counterpart_status(contract, acting.organisation),
        "can_decide": selectors.may_decide(contract, acting.organisation, acting.role),
        "is_payer": can_edit and contract.payer_id == acting.organisation.pk
        and contract.provider.kind == OrganisationKind.HUB,
        "missing": [r for r in rows if r.missing_required],
        "present": sum(1 for r in rows if r.present),
        "stages": [(s, Stage(s).label) for s in STAGE_ORDER],
        "tasks": contract.tasks.all(), "task_form": cforms.TaskForm(),
        "renewal_due": services.renewal_due(contract, today),
        "renewal_prompt": services.renewal_prompt_date(contract),
        "terms": contract.terms_versions.order_by("-version"),
        "in_force": selectors.terms_version_in_force(contract, today),
        "services": contract.service_definitions.select_related("service_type"),
        "escalation": contract.escalation_levels.select_related("organisation"),
        "contacts": contract.contacts.select_related("organisation"),
        "data_sharing": contract.data_sharing.all(),
        "delivering": contract.delivering_cbos.all(),
        "leaving": departures.open_departures(contract),
        "can_withdraw": acting.role == Role.CBO_SUPERVISOR
        and contract.delivering_cbos.filter(pk=acting.organisation.pk).exists(),
        "is_provider_hub": acting.organisation.pk == contract.provider_id
        and acting.organisation.kind == OrganisationKind.HUB,
    })


@require_acting(Role.CBO_SUPERVISOR)
def contract_withdraw(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    """A delivering CBO's supervisor withdraws the CBO from the contract. Its open
    referrals stay with it until the hub reroutes them or they finish."""
    contract, _ = _contract(acting, code)
    if request.method != "POST" or not contract.delivering_cbos.filter(
            pk=acting.organisation.pk).exists():
        raise Http404("Not found")
    try:
        departure = departures.withdraw(contract, acting=acting,
                                        reason=request.POST.get("reason", "")[:1000])
    except departures.DepartureError as exc:
        messages.error(request, str(exc))
        return redirect("contracts:detail", code=contract.code)
    if departure.left_at is None:
        messages.success(request, f"{acting.organisation.name} is leaving {contract.code}. "
                                  f"{contract.provider.name} will reroute your open referrals "
                                  "or let them finish; until then you keep working them.")
        return redirect("contracts:detail", code=contract.code)
    messages.success(request, f"{acting.organisation.name} has left {contract.code}.")
    return redirect("contracts:list")


@require_acting(*roles.CONTRACT_SIGNERS)
def contract_decide(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    """The invited payer or provider accepts (countersigns) or declines a proposal."""
    contract = selectors.get_contract(acting.organisation, code)
    decision = request.POST.get("decision")
    if request.method != "POST" or decision not in ("accept", "decline") \
            or not selectors.may_decide(contract, acting.organisation, acting.role):
        raise Http404("Not found")
    services.decide_contract(contract, decision == "accept", acting=acting)
    if decision == "accept":
        messages.success(request, f"You accepted {contract.code}."
                         + (" It is now in effect." if selectors.is_in_effect(contract) else ""))
    else:
        messages.success(request, f"You declined {contract.code}; nothing flows under it.")
    return redirect("contracts:detail", code=code)


@require_acting(Role.PAYER_MANAGER)
def hub_uploads(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    """The payer allows (or stops) the provider hub uploading its roster and ranked lists."""
    contract, can_edit = _contract(acting, code)
    if request.method != "POST" or not can_edit or contract.payer_id != acting.organisation.pk:
        raise Http404("Not found")
    allowed = request.POST.get("allowed") == "1"
    services.set_hub_may_upload(contract, allowed, acting=acting)
    messages.success(request, f"{contract.provider.name} may {'now' if allowed else 'no longer'} "
                              "upload your roster and ranked lists under this contract.")
    return redirect("contracts:detail", code=code)


@require_acting(*EDIT_ROLES)
def contract_edit(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    """Name, dates, renewal notice and (for a hub's contract) the delivering CBOs."""
    contract, _ = _contract(acting, code, edit=True)
    provider = contract.provider
    cbos = network_cbos(provider) if provider.kind == OrganisationKind.HUB \
        else Organisation.objects.none()
    # CBOs that left the network stay listed while they are still delivering.
    cbos = Organisation.objects.filter(
        Q(pk__in=cbos.values("pk")) | Q(pk__in=contract.delivering_cbos.values("pk"))
    ).order_by("name")
    form = cforms.ContractDetailsForm(request.POST or None, instance=contract, cbos=cbos)
    if request.method == "POST" and form.is_valid():
        services.save_contract_details(form.save(commit=False),
                                       form.cleaned_data.get("delivering_cbos") or [],
                                       acting=acting)
        messages.success(request, f"Contract {contract.code} saved.")
        leaving = departures.open_departures(contract)
        if leaving:
            messages.info(request, "Leaving with open referrals: "
                          + ", ".join(d.organisation.name for d in leaving)
                          + ". Reroute them or let them finish on the Leaving CBOs page.")
        return redirect("contracts:detail", code=contract.code)
    return render(request, "contracts/edit.html", {"contract": contract, "form": form})


@require_acting(*EDIT_ROLES)
def scope_edit(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract, _ = _contract(acting, code, edit=True)
    data = request.POST if request.method == "POST" else None
    form = cforms.ScopeForm(data, instance=contract)
    formsets = {
        "services": cforms.ServiceDefinitionFormSet(data, instance=contract, prefix="services"),
        "escalation": cforms.EscalationFormSet(data, instance=contract, prefix="escalation"),
        "contacts": cforms.ContactFormSet(data, instance=contract, prefix="contacts"),
        "data": cforms.DataSharingFormSet(data, instance=contract, prefix="data"),
    }
    cforms.limit_party_choices(list(formsets.values()), cforms.party_organisations(contract))
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in formsets.values()):
        services.save_scope(form.save(commit=False), formsets, acting=acting)
        messages.success(request, "Scope of work saved.")
        return redirect("contracts:checklist", code=contract.code)
    return render(request, "contracts/scope_form.html",
                  {"contract": contract, "form": form, "formsets": formsets})


@require_acting(*READ_ROLES)
def checklist_page(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract, can_edit = _contract(acting, code)
    rows = services.checklist_rows(contract)
    groups: list[tuple[str, str, list[Any]]] = []
    for row in rows:
        key = (row.item.section, row.item.group)
        if not groups or (groups[-1][0], groups[-1][1]) != key:
            groups.append((row.item.section, row.item.group, []))
        groups[-1][2].append(row)
    missing = [r for r in rows if r.missing_required]
    return render(request, "contracts/checklist.html", {
        "contract": contract, "groups": groups, "missing": missing, "can_edit": can_edit,
        "complete": not missing, "present": sum(1 for r in rows if r.present), "total": len(rows),
        "printable": request.GET.get("print") == "1",
    })


@require_acting(*EDIT_ROLES)
def stage_move(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract, _ = _contract(acting, code, edit=True)
    if request.method != "POST":
        raise Http404("Not found")
    stage = request.POST.get("stage", "")
    if stage not in STAGE_ORDER:
        messages.error(request, f"Unknown stage {stage!r}.")
        return redirect("contracts:detail", code=code)
    try:
        services.move_stage(contract, stage, acting=acting)
    except services.StageBlocked as exc:
        messages.error(request, "Cannot move to implementation: required provisions missing: "
                       + "; ".join(r.item.text for r in exc.missing) + ".")
    else:
        messages.success(request, f"Stage is now {Stage(stage).label}.")
    return redirect("contracts:detail", code=code)


@require_acting(*EDIT_ROLES)
def task_add(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    contract, _ = _contract(acting, code, edit=True)
    form = cforms.TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        task = services.add_task(contract, form.save(commit=False), acting=acting)
        messages.success(request, f"Task added: {task.title}.")
    elif request.method == "POST":
        messages.error(request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
    return redirect("contracts:detail", code=code)


@require_acting(*EDIT_ROLES)
def task_edit(request: HttpRequest, acting: Acting, code: str, pk: int) -> HttpResponse:
    """Edit a lifecycle task: chiefly to date the pre-launch tasks the checklist needs."""
    contract, _ = _contract(acting, code, edit=True)
    task = contract.tasks.filter(pk=pk).first()
    if task is None:
        raise Http404("Not found")
    form = cforms.TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        services.update_task(form.save(commit=False), acting=acting)
        messages.success(request, f"Task saved: {task.title}.")
        return redirect("contracts:detail", code=code)
    return render(request, "contracts/task_form.html",
                  {"contract": contract, "task": task, "form": form})


@require_acting(*EDIT_ROLES)
def task_done(request: HttpRequest, acting: Acting, code: str, pk: int) -> HttpResponse:
    contract, _ = _contract(acting, code, edit=True)
    task = contract.tasks.filter(pk=pk).first()
    if task is None or request.method != "POST":
        raise Http404("Not found")
    services.set_task_done(task, request.POST.get("done") == "1", acting=acting)
    return redirect("contracts:detail", code=code)


@require_acting(*READ_ROLES)
def terms_page(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    """The terms in words for every party; the YAML, its diff and new versions (validated
    and previewed in words before saving) for the hub administrators who may edit."""
    contract, can_edit = _contract(acting, code)
    yaml_ok = can_edit and acting.has_role(Role.HUB_ADMIN)
    versions = list(contract.terms_versions.order_by("version"))
    form = cforms.TermsForm()
    errors: list[tuple[str, str]] = []
    proposed = None
    if request.method == "POST":
        if not yaml_ok:
            raise Http404("Not found")
        form = cforms.TermsForm(request.POST, request.FILES)
        if request.POST.get("preview"):
            proposed, text = terms_display.preview_form(contract, form)
            if request.headers.get("HX-Request"):
                return render(request, "contracts/_terms_preview.html", {"proposed": proposed})
            form = cforms.TermsForm(initial={"document": text,
                                             "note": request.POST.get("note", ""),
                                             "effective": request.POST.get("effective", "")})
        elif form.is_valid():
            text, name = form.text_and_name()
            try:
                version = services.add_terms_version(
                    contract, text, name, effective=form.cleaned_data.get("effective"),
                    note=form.cleaned_data["note"], acting=acting)
            except services.TermsProblem as problem:
                errors = problem.errors
            else:
                messages.success(request, f"Terms version {version.version} saved.")
                return redirect("contracts:terms", code=code)
    elif versions:
        form = cforms.TermsForm(initial={"document": versions[-1].source_text})
    diff: list[str] = []
    a, b = request.GET.get("a"), request.GET.get("b")
    by_number = {str(v.version): v for v in versions}
    if yaml_ok and a in by_number and b in by_number:
        diff = services.terms_diff(by_number[a], by_number[b])
    in_force = selectors.terms_version_in_force(contract, timezone.localdate())
    shown = by_number.get(request.GET.get("v") or "") or in_force or (versions[-1] if versions
                                                                       else None)
    return render(request, "contracts/terms.html", {
        "contract": contract, "versions": versions, "form": form, "errors": errors,
        "can_edit": yaml_ok, "diff": diff, "a": a if yaml_ok else None,
        "b": b if yaml_ok else None, "in_force": in_force, "shown": shown,
        "words": terms_display.words_of_document(shown.document) if shown else None,
        "proposed": proposed,
    })


@require_acting(*CREDENTIAL_ROLES)
def credential_edit(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """Renew (new dates, new number) or correct one recorded credential."""
    credential = selectors.credentials_visible_to(acting.organisation).filter(pk=pk).first()
    if credential is None:
        raise Http404("Not found")
    staff = Membership.objects.filter(organisation=credential.organisation,
                                      is_active=True).values("user")
    from carehub.accounts.models import User

    form = cforms.CredentialForm(request.POST or None, instance=credential,
                                 staff=User.objects.filter(pk__in=staff).order_by("last_name"))
    if request.method == "POST" and form.is_valid():
        services.save_credential(form.save(commit=False), acting=acting)
        messages.success(request, f"Saved {credential.name} for {credential.staff}.")
        return redirect("contracts:credentials")
    return render(request, "contracts/credential_form.html",
                  {"form": form, "credential": credential})


@require_acting(*CREDENTIAL_ROLES)
def credentials(request: HttpRequest, acting: Acting) -> HttpResponse:
    from carehub.network.selectors import editable_organisations

    orgs = editable_organisations(acting.organisation)
    staff = Membership.objects.filter(organisation__in=orgs, is_active=True).values("user")
    from carehub.accounts.models import User

    form = cforms.CredentialForm(request.POST or None,
                                 staff=User.objects.filter(pk__in=staff).order_by("last_name"))
    if request.method == "POST" and form.is_valid():
        credential = form.save(commit=False)
        membership = Membership.objects.filter(user=credential.staff, organisation__in=orgs).first()
        assert membership is not None  # the form only offers these organisations' staff
        credential.organisation = membership.organisation
        services.save_credential(credential, acting=acting)
        messages.success(request, f"Recorded {credential.name} for {credential.staff}.")
        return redirect("contracts:credentials")
    today = timezone.localdate()
    soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    rows = list(selectors.credentials_visible_to(acting.organisation))
    return render(request, "contracts/credentials.html", {
        "rows": rows, "form": form, "today": today,
        "expiring": [c for c in rows if c.expires and c.expires <= soon],
        "soon": soon,
    })

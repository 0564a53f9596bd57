"""Home pages per role, and organisation and user management for hub administrators."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carehub.accounts.forms import NewUserForm
from carehub.audit.selectors import events_for
from carehub.listing import Column, listing
from carehub.members.models import Product
from carehub.members.selectors import member_counts_by_product
from carehub.portal import services
from carehub.portal.filters import OrganisationFilterSet
from carehub.portal.forms import InviteCBOForm, NetworkFeeForm, OrganisationForm
from carehub.portal.home import home_panels
from carehub.tenancy.access import (
    Acting,
    get_managed_organisation,
    network_cbos,
    organisations_managed_by,
    require_acting,
)
from carehub.tenancy.models import Membership, Network, NetworkMember, NetworkStatus, Role
from carehub.tenancy.selectors import invitations_for


def root(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return home(request)


@require_acting()
def home(request: HttpRequest, acting: Acting) -> HttpResponse:
    org = acting.organisation
    context: dict = {"org": org, "role_label": Role(acting.role).label}
    if acting.has_role(Role.HUB_ADMIN, Role.HUB_COORDINATOR):
        cbos = network_cbos(org).annotate(staff=Count("memberships")).order_by("name")
        context["cbos"] = cbos
        context["network"] = Network.objects.filter(hub=org).first()
    if acting.has_role(Role.PAYER_MANAGER, Role.PAYER_ANALYST, Role.HUB_ADMIN, Role.HUB_COORDINATOR):
        counts = member_counts_by_product(org)
        labels = dict(Product.choices)
        context["member_counts"] = [(labels.get(p, p), n) for p, n in sorted(counts.items())]
        context["member_total"] = sum(counts.values())
    if acting.has_role(Role.CBO_SUPERVISOR, Role.CBO_WORKER):
        context["colleagues"] = (
            Membership.objects.filter(organisation=org, is_active=True)
            .select_related("user").order_by("role", "user__last_name")
        )
    if acting.has_role(Role.CBO_SUPERVISOR):
        context["invitations"] = invitations_for(org)
    if acting.has_role(Role.AUDITOR, Role.HUB_ADMIN):
        context["recent_events"] = list(events_for(org)[:8])
    context["panels"] = home_panels(request, acting)
    return render(request, "portal/home.html", context)


ORGANISATION_COLUMNS = [Column("Organisation", "name"), Column("Kind", "kind"),
                        Column("NPI", css="hide-sm"), Column("TIN", css="hide-sm"),
                        Column("Staff", "staff")]


def _network_page(request: HttpRequest, acting: Acting, *, fee_form: NetworkFeeForm | None = None,
                  invite_form: InviteCBOForm | None = None, status: int = 200) -> HttpResponse:
    hub = acting.organisation
    orgs = organisations_managed_by(hub).annotate(staff=Count("memberships", distinct=True))
    network = Network.objects.filter(hub=hub).first()
    if fee_form is None and network is not None:
        fee_form = NetworkFeeForm(instance=network)
    pending = (NetworkMember.objects.filter(network__hub=hub)
               .exclude(status=NetworkStatus.ACCEPTED).select_related("cbo")
               .order_by("status", "cbo__name")) if network else []
    found = listing(request, OrganisationFilterSet, orgs, ORGANISATION_COLUMNS)
    return render(request, "portal/organisation_list.html", {
        "organisations": found.rows, "listing": found, "network": network,
        "fee_form": fee_form, "pending": pending,
        "invite_form": invite_form or InviteCBOForm(hub=hub)}, status=status)


@require_acting(Role.HUB_ADMIN)
def organisation_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    return _network_page(request, acting)


@require_acting(Role.HUB_ADMIN)
@require_POST
def network_invite(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Invite an existing CBO, picked by name; it joins only when its supervisor accepts."""
    form = InviteCBOForm(request.POST, hub=acting.organisation)
    if form.is_valid():
        try:
            services.invite_cbo(form.cleaned_data["cbo"], acting=acting)
        except services.InvitationRefused as exc:
            form.add_error("cbo", str(exc))
        else:
            messages.success(request, f"{form.cleaned_data['cbo'].name} is invited; it joins "
                                      "the network when its supervisor accepts.")
            return redirect("portal:organisations")
    return _network_page(request, acting, invite_form=form, status=400)


@require_acting(Role.CBO_SUPERVISOR)
def cbo_networks(request: HttpRequest, acting: Acting) -> HttpResponse:
    """A CBO's own organisation page: the hub networks it takes part in, and invitations
    waiting for its decision."""
    org = acting.organisation
    joined = (NetworkMember.objects.filter(cbo=org, status=NetworkStatus.ACCEPTED,
                                           left__isnull=True)
              .select_related("network__hub").order_by("network__hub__name"))
    return render(request, "portal/cbo_networks.html", {
        "org": org, "joined": joined, "invitations": invitations_for(org)})


@require_acting(Role.CBO_SUPERVISOR)
@require_POST
def invitation_decide(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        raise Http404("Not found")
    try:
        member = services.decide_invitation(pk, decision == "accept", acting=acting)
    except services.InvitationRefused:
        raise Http404("Not found") from None
    hub = member.network.hub.name
    messages.success(request, f"You joined {hub}'s network." if decision == "accept"
                     else f"You declined {hub}'s invitation.")
    return redirect("portal:cbo_networks")


@require_acting(Role.HUB_ADMIN)
@require_POST
def network_update(request: HttpRequest, acting: Acting) -> HttpResponse:
    network = Network.objects.filter(hub=acting.organisation).first()
    if network is None:
        raise Http404("Not found")
    form = NetworkFeeForm(request.POST, instance=network)
    if form.is_valid():
        services.update_network(network, {f: form.cleaned_data[f] for f in form.changed_data},
                                acting=acting)
        return redirect("portal:organisations")
    return _network_page(request, acting, fee_form=form, status=400)


@require_acting(Role.HUB_ADMIN)
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = services.add_cbo_to_network(form.cleaned_data, acting=acting)
        return redirect("portal:organisation", pk=org.pk)
    return render(request, "portal/organisation_form.html", {"form": form, "creating": True},
                  status=400 if form.errors else 200)


@require_acting(Role.HUB_ADMIN)
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    org = get_managed_organisation(acting, pk)
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        services.update_organisation(org, {f: form.cleaned_data[f] for f in form.changed_data},
                                     acting=acting)
        return redirect("portal:organisation", pk=org.pk)
    memberships = Membership.objects.filter(organisation=org).select_related("user").order_by("user__last_name")
    return render(request, "portal/organisation_detail.html",
                  {"org": org, "form": form, "memberships": memberships},
                  status=400 if form.errors else 200)


@require_acting(Role.HUB_ADMIN)
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    org = get_managed_organisation(acting, pk)
    form = NewUserForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        services.create_user(org, form.cleaned_data, acting=acting)
        return redirect("portal:organisation", pk=org.pk)
    return render(request, "portal/user_form.html", {"org": org, "form": form},
                  status=400 if form.errors else 200)


@require_acting(Role.HUB_ADMIN)
@require_POST
def membership_toggle(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    managed = organisations_managed_by(acting.organisation)
    membership = Membership.objects.filter(pk=pk, organisation__in=managed).first()
    if membership is None or membership.user_id == acting.user.pk:
        raise Http404("Not found")
    services.set_membership_active(membership, not membership.is_active, acting=acting)
    return redirect("portal:organisation", pk=membership.organisation_id)

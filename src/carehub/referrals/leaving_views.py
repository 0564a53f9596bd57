"""The hub's "Leaving CBOs" page: each CBO leaving one of the hub's contracts, its open
referrals under that contract, and for each a choice to reroute it or let it finish
(`services.leaving`). Only the contract's provider hub sees it; others get 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Departure
from carehub.referrals.models import Referral
from carehub.referrals.services import ReferralError, leaving
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner


def _departures(acting: Acting) -> list[Departure]:
    # The departure is the hub's record about another organisation: read it as the
    # owner, limited here to the acting hub's own contracts.
    with scopes_disabled(), as_owner():
        return list(Departure.objects.filter(contract__provider=acting.organisation,
                                             left_at__isnull=True)
                    .select_related("contract", "organisation", "requested_by"))


@require_acting(*roles.HUB)
def leaving_page(request: HttpRequest, acting: Acting) -> HttpResponse:
    sections: list[dict[str, Any]] = []
    shown: list[int] = []
    for departure in _departures(acting):
        with scopes_disabled(), as_owner():
            referrals = list(leaving.open_referrals_of(departure.contract, departure.organisation)
                             .filter(hub=acting.organisation)
                             .select_related("member").order_by("created_at", "pk"))
        rows = [{"referral": r, "choices": leaving.reroute_choices(departure, r),
                 "let_finish": r.pk in departure.let_finish} for r in referrals]
        shown += [r.member_id for r in referrals]
        sections.append({"departure": departure, "rows": rows})
    audit.record("view", request=request, object_type="referral_list", object_id="leaving",
                 detail={"member_ids": shown})
    return render(request, "referrals/leaving.html", {"sections": sections})


@require_acting(*roles.HUB)
def leaving_choice(request: HttpRequest, acting: Acting, departure: int,
                   pk: int) -> HttpResponse:
    """Reroute one open referral of a leaving CBO, or let it finish there."""
    found = next((d for d in _departures(acting) if d.pk == departure), None)
    if found is None or request.method != "POST":
        raise Http404("Not found")
    with scopes_disabled(), as_owner():
        referral = (leaving.open_referrals_of(found.contract, found.organisation)
                    .filter(pk=pk, hub=acting.organisation).select_related("member").first())
    if referral is None:
        raise Http404("Not found")
    choice = request.POST.get("choice", "")
    try:
        if choice == "finish":
            leaving.let_finish(found, referral, acting=acting)
            messages.success(request, f"Referral {pk} stays with {found.organisation.name} "
                                      "until it finishes.")
        elif choice == "reroute":
            target_id, version = (request.POST.get("organisation", ""),
                                  request.POST.get("version", ""))
            if not all(v.isdecimal() and len(v) < 10 for v in (target_id, version)):
                return HttpResponseBadRequest("organisation: choose a CBO to reroute to.",
                                              content_type="text/plain; charset=utf-8")
            target = Organisation.objects.filter(pk=int(target_id)).first()
            if target is None:
                messages.error(request, "organisation: choose a CBO to reroute to.")
            else:
                with scopes_disabled():
                    referral = Referral.objects.select_related("member").get(pk=referral.pk)
                leaving.reroute_leaving(found, referral, int(version), target, acting=acting,
                                        note=request.POST.get("note", "")[:200])
                messages.success(request, f"Referral {pk} rerouted to {target.name}.")
        else:
            return HttpResponseBadRequest("choice: reroute or finish.",
                                          content_type="text/plain; charset=utf-8")
    except ReferralError as exc:
        messages.error(request, str(exc))
    return redirect("referrals:leaving")

"""Escalation pages: each role's queue of what waits at its level, one escalation's page,
and resolving one with a resolution.

The queue is the acting role's at the acting organisation (`escalation_queues.queue`);
an escalation of a referral the organisation is not party to answers 404. Descriptions
and resolutions follow the sharing rule (`selectors.Sharing`); naming the members in a
queue is a read of member data and is audited like the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from carehub.audit import services as audit
from carehub.core.referral_states import STATE_LABELS, State
from carehub.htmx_forms import form_errors
from carehub.referrals import contract_terms, escalation_queues, forms, selectors, services
from carehub.referrals.escalation_queues import role_label, role_phrase
from carehub.referrals.models import Consent, ConsentKind, Escalation
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting

PER_PAGE = 50


@dataclass(frozen=True)
class QueueRow:
    escalation: selectors.EscalationView
    member_name: str
    referral_id: int
    referral_state: str
    organisation: str


def _shared_members(member_ids: list[int]) -> set[int]:
    """Members with an active data-sharing consent (one query for a page of rows)."""
    day = timezone.localdate()
    return set(Consent.objects.filter(
        member_id__in=member_ids, kind=ConsentKind.DATA_SHARING, revoked_at__isnull=True,
        given_on__lte=day).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=day))
        .values_list("member_id", flat=True))


@require_acting(*roles.STAFF)
def queue(request: HttpRequest, acting: Acting) -> HttpResponse:
    qs = (escalation_queues.queue(acting)
          .select_related("referral__organisation", "member"))
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    escalations: list[Escalation] = list(page.object_list)
    shared = _shared_members([x.member_id for x in escalations])
    rows = [QueueRow(
        escalation=selectors.escalation_view(
            x, selectors.Sharing(acting.organisation.pk, x.member_id in shared)),
        member_name=f"{x.member.last_name}, {x.member.first_name}",
        referral_id=x.referral_id,
        referral_state=STATE_LABELS[State(x.referral.state)],
        organisation=x.referral.organisation.name) for x in escalations]
    audit.record("view", request=request, object_type="escalation_queue",
                 object_id=acting.role, detail={"member_ids": [x.member_id for x in escalations]})
    return render(request, "referrals/escalations.html", {
        "rows": rows, "page": page, "counts": escalation_queues.queue_counts(acting),
        "role_phrase": role_phrase(acting.role),
        "resolve_form": forms.ResolveForm(),
    })


def _visible(acting: Acting, pk: int) -> Escalation:
    row = (escalation_queues.visible(acting).select_related("referral", "member")
           .filter(pk=pk).first())
    if row is None:
        raise Http404("Not found")
    return row


def _levels(row: Escalation) -> tuple[tuple[int, str, int], ...]:
    """The pathway the escalation follows: its contract's (none for a legacy row)."""
    if row.contract_id is None:
        return ()
    return contract_terms.rules_for(contract_terms.contract_row(row.contract_id)).escalation


@require_acting(*roles.STAFF)
def detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    row = _visible(acting, pk)
    audit.record("view", request=request, object_type="escalation", object_id=str(pk),
                 member_id=row.member_id)
    view = selectors.escalation_view(row, selectors.sharing(row.member_id, acting.organisation))
    levels = [{"level": lv, "role": role_label(role), "hours": hours, "current": lv == row.level}
              for lv, role, hours in _levels(row)]
    return render(request, "referrals/escalation.html", {
        "x": view, "row": row, "member": row.member, "levels": levels,
        "role_label": role_label(row.role),
        "referral_state": STATE_LABELS[State(row.referral.state)],
        "can_answer": row.resolved_at is None and escalation_queues.may_answer(acting, row.referral, row.role),
        "resolve_form": forms.ResolveForm(),
    })


def _next_url(request: HttpRequest, row: Escalation) -> str:
    """Where the form returns to: a fixed choice, never a URL taken from the form."""
    where = request.POST.get("next", "")
    if where == "queue":
        return reverse("referrals:escalations")
    if where == "escalation":
        return reverse("referrals:escalation", args=[row.pk])
    return reverse("referrals:detail", args=[row.referral_id])


@require_acting(*roles.STAFF)
def resolve(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found")
    row = _visible(acting, pk)
    form = forms.ResolveForm(request.POST)
    error = ""
    if not escalation_queues.may_answer(acting, row.referral, row.role):
        error = f"This escalation waits for the {role_phrase(row.role)}."
    elif not form.is_valid():
        error = "Not resolved: say how the escalation was resolved."
    else:
        try:
            services.resolve_escalation(row, resolution=form.cleaned_data["resolution"],
                                        acting=acting)
        except services.ReferralError as exc:
            error = str(exc)
    target = _next_url(request, row)
    if request.htmx:  # type: ignore[attr-defined]
        if error:
            return form_errors(request, error, form if form.is_bound and form.errors else None)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        messages.success(request, "Escalation resolved.")
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Escalation resolved.")
    return redirect(target)


"""Starting the referrals app's jobs from other apps' pages (eligibility hands a plan's
selected members to the hub through `start_assignment`)."""

from __future__ import annotations

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.jobs import services as jobs
from carehub.jobs.models import Job
from carehub.referrals import uploads
from carehub.referrals.models import RankedList
from carehub.referrals.services import bulk_jobs
from carehub.referrals.tasks import ASSIGN_KIND, assignment_task
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner


def start_assignment(ranked: RankedList, hub: Organisation, *, acting: Acting,
                     chunk: int | None = None) -> Job:
    """Start the bulk assignment job (`referrals.assign_ranked_list`) of the list's
    selected members to `hub`'s network, as the ranked list page's Assign button does.

    Checked now, as the page checks them: the acting organisation may send this plan's
    list to this hub (`uploads.check_upload`: a contract in effect between them), the list
    is not already another hub's, the hub's network has a CBO, and the contract's rules at
    the door (`rules.Door`: the contract operating with its BAA signed, the hub taking
    part, some CBO delivering under it) let the list in; any refusal raises ValueError
    (ReferralError/RuleRefused are ValueErrors) with the reasons in words, and no job is
    started. Each member is then checked against the population and volume rules by the
    job; members refused are listed by member id with the reasons in the job's result
    (`result["refused"]`, `result["refused_count"]`) and on the list's page. Members
    already referred for the service are skipped, so starting it twice makes nothing
    twice. `chunk`: members per transaction (default 2,000)."""
    with scopes_disabled():
        plan = Organisation.objects.get(pk=ranked.plan_id)
    uploads.check_upload(acting, plan, hub)
    if ranked.hub_id is not None and ranked.hub_id != hub.pk:
        raise ValueError("This list was already stored for another hub.")
    cbos = list(network_cbos(hub).order_by("name"))
    if not cbos:
        raise ValueError(f"{hub.name}'s network has no CBO to assign to.")
    if ranked.hub_id is None:
        ranked.hub = hub  # the door reads the hub the list goes to
    bulk_jobs.assignment_door(ranked, cbos, timezone.localdate())
    # The checked claim is kept now: until the list names the hub, row-level security
    # hides the plan's list from the hub the job acts for. Written as the owner.
    with scopes_disabled(), as_owner():
        RankedList.objects.filter(pk=ranked.pk, hub__isnull=True).update(hub=hub)
    params = {"ranked": ranked.pk, "hub": hub.pk}
    if chunk:
        params["chunk"] = chunk
    return jobs.start_job(assignment_task, kind=ASSIGN_KIND,
                          title=f"Assign ranked list {ranked.name}", acting=acting,
                          params=params)

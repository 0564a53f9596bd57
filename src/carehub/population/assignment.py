"""Assigning a handed-over ranked list: one function, so the page does not care whether
the assignment runs now or as a background job. Today it calls the referral rules'
synchronous path (`referrals.services.bulk.assign_ranked_list`); the ranked-list
assignment job replaces the body of `start_assignment` when it is available."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carehub.jobs.models import Job
from carehub.referrals.models import RankedList
from carehub.referrals.services.base import ReferralError
from carehub.referrals.services.bulk import assign_ranked_list
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation


@dataclass
class Started:
    """What the page shows: the job when the assignment runs in the background, else its
    outcome: {"created", "skipped": [[reason, n]], "refused": [[member id, why]],
    "message"}."""

    job: Job | None = None
    outcome: dict[str, Any] = field(default_factory=dict)


def start_assignment(ranked: RankedList, hub: Organisation, *, acting: Acting) -> Started:
    if ranked.hub_id is None:
        ranked.hub = hub
        ranked.save(update_fields=["hub"])
    cbos = list(network_cbos(hub).order_by("name"))
    if not cbos:
        return Started(outcome={"created": 0, "message": f"{hub.name}'s network has no CBO "
                                                         "to assign to."})
    try:
        done = assign_ranked_list(ranked, cbos, acting=acting)
    except ReferralError as exc:  # the contract or the hub refuses the whole list
        return Started(outcome={"created": 0, "message": str(exc)})
    return Started(outcome={
        "created": done.created,
        "skipped": [["already referred for this service", done.already_owned],
                    ["asked not to be contacted", done.do_not_contact],
                    ["refused by the contract's rules", len(done.refused)]],
        "refused": [[r.member_id, " ".join(p.message for p in r.problems)]
                    for r in done.refused],
        "cbos_skipped": list(done.cbos_skipped),
        "message": f"{done.created} referral{'s' if done.created != 1 else ''} made.",
    })

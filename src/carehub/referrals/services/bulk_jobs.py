"""Ranked lists as jobs: the same writes as `bulk.save_ranked_list` and
`bulk.assign_ranked_list`, one chunk at a time so each chunk commits with the job's
checkpoint. Each chunk holds only its own rows; what the rules and routing need is read
per chunk from the database (the referrals the earlier chunks made count in the
contract's volume and the CBOs' load, exactly as if they were one batch).

Safe to run twice: a list is stored once per (plan, contract, file checksum), an entry
once per (list, member), and a member has at most one open referral per service (all
database constraints); a chunk skips what is already there."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.core.referral_states import State
from carehub.members.imports import RankedRow
from carehub.members.models import EnrolmentSpan, Member
from carehub.referrals import notices
from carehub.referrals.models import (
    OPEN_STATES,
    ContactPreference,
    RankedList,
    RankedListEntry,
    Referral,
    ReferralEvent,
)
from carehub.referrals.routing import route_ranked_list
from carehub.referrals.rules import Door
from carehub.referrals.services.bulk import (
    BATCH,
    _ranked_rules,
    contract_service,
    grant_assignment_access,
    no_such_contract,
    not_on_roster,
    paid_contract,
)
from carehub.referrals.services.creation import due_at_for
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

# Refused members kept by name in a job's result; past this only the count grows.
REFUSED_KEPT = 500


def list_contract(plan: Organisation, contract_code: str,
                  service_code: str) -> tuple[Contract, ServiceDefinition]:
    """The contract the plan pays under and its service, as `save_ranked_list` checks
    them (ReferralError otherwise)."""
    with scopes_disabled():
        contract = paid_contract(plan, contract_code)
        if contract is None:
            raise no_such_contract(plan, contract_code)
        service = contract_service(contract, service_code)
    return contract, service


def off_roster(plan: Organisation, rows: list[RankedRow]) -> list[tuple[int, str, str]]:
    """Rows whose member is not on the plan's roster (a read, for the checking stage)."""
    with scopes_disabled():
        known = set(Member.objects.filter(plan=plan, member_id__in=[r.member_id for r in rows])
                    .values_list("member_id", flat=True))
    return not_on_roster(plan, rows, known)


def stored_list(plan: Organisation, contract: Contract, digest: str) -> RankedList | None:
    with scopes_disabled():
        return RankedList.objects.filter(plan=plan, contract_code=contract.code,
                                         source_sha256=digest).first()


def create_list(plan: Organisation, contract: Contract, service: ServiceDefinition, *,
                name: str, digest: str, service_type: str, hub: Organisation | None,
                rows: int, acting: Acting) -> RankedList:
    """Create the list (inside the first chunk's transaction), audited as the plan's."""
    with scopes_disabled():
        ranked = RankedList.objects.create(plan=plan, hub=hub, name=name, contract=contract,
                                           service=service, contract_code=contract.code,
                                           service_code=service.code,
                                           service_type=service_type, source_sha256=digest)
    audit.record("create", object_type="ranked_list", object_id=str(ranked.pk),
                 acting=acting, organisation=plan, detail={"rows": rows, "name": name})
    return ranked


def save_entries(ranked: RankedList, rows: list[RankedRow]) -> int:
    """Store one chunk of the list's rows; rows already stored are left; the number made."""
    with scopes_disabled():
        members = dict(Member.objects.filter(plan_id=ranked.plan_id,
                                             member_id__in=[r.member_id for r in rows])
                       .values_list("member_id", "pk"))
        have = set(RankedListEntry.objects.filter(ranked_list=ranked,
                                                  member_id__in=members.values())
                   .values_list("member_id", flat=True))
        new = [RankedListEntry(ranked_list=ranked, member_id=members[r.member_id], rank=r.rank,
                               selected=r.selected, reasons=r.reasons, measures=r.measures)
               for r in rows if members[r.member_id] not in have]
        RankedListEntry.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


@dataclass
class AssignCounts:
    """Running counts of an assignment job (kept in its checkpoint)."""

    created: int = 0
    already_owned: int = 0
    do_not_contact: int = 0
    refused_count: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "already_owned": self.already_owned,
                "do_not_contact": self.do_not_contact, "refused_count": self.refused_count,
                "refused": list(self.refused)}


def assignment_door(ranked: RankedList, cbos: list[Organisation],
                    on: date) -> tuple[Door, list[Organisation], list[str]]:
    """The rules at the door for the whole list (RuleRefused when the contract or the hub
    refuses it) and the offered CBOs that deliver under the contract."""
    return _ranked_rules(ranked, cbos, on)


def selected_entries(ranked: RankedList) -> Any:
    return (RankedListEntry.objects.filter(ranked_list=ranked, selected=True)
            .order_by("rank", "pk"))


def entry_page(ranked: RankedList, after: tuple[int, int] | None,
               size: int) -> list[tuple[int, int, int]]:
    """The next `size` selected entries (pk, member pk, rank) in rank order after
    `after` (rank, pk): a keyset page, so no list of the whole list is held."""
    with scopes_disabled():
        found = selected_entries(ranked)
        if after is not None:
            # rank >= r minus (rank = r, id <= p): a range on the index, not an OR.
            rank, pk = after
            found = found.filter(rank__gte=rank).exclude(rank=rank, pk__lte=pk)
        return list(found.values_list("pk", "member_id", "rank")[:size])


def assign_chunk(ranked: RankedList, cbos: list[Organisation], page: list[tuple[int, int, int]],
                 counts: AssignCounts, *, acting: Acting) -> None:
    """Referrals for one page of selected entries, as `assign_ranked_list` makes them;
    the caller holds the transaction (with the job's checkpoint)."""
    now = timezone.now()
    actor = acting.user if getattr(acting.user, "pk", None) else None
    # A door per chunk: its volume count then includes the referrals earlier chunks made.
    door, cbos, _ = _ranked_rules(ranked, cbos, timezone.localdate(now))
    contract, service = door.contract, door.service
    assert service is not None
    due = due_at_for(contract, service.code, created=now, anchor_date=None)
    with scopes_disabled():
        member_ids = [m for _, m, _ in page]
        owned = set(Referral.objects.filter(member_id__in=member_ids, service_code=service.code,
                                            state__in=OPEN_STATES)
                    .values_list("member_id", flat=True))
        blocked = set(ContactPreference.objects.filter(member_id__in=member_ids,
                                                       do_not_contact=True)
                      .values_list("member_id", flat=True))
        candidates = [(pk, m) for pk, m, _ in page if m not in owned and m not in blocked]
        members = Member.objects.in_bulk([m for _, m in candidates])
        spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        for m, start, end in EnrolmentSpan.objects.filter(
                member_id__in=[m for _, m in candidates]).values_list("member_id", "start", "end"):
            spans[m].append((start, end))
        todo: list[tuple[int, int]] = []
        for pk, m in candidates:
            member = members[m]
            problems = [*door.member_problems(member, spans=spans[m]),
                        *door.volume_problems(extra=len(todo))]
            if problems:
                counts.refused_count += 1
                if len(counts.refused) < REFUSED_KEPT:
                    counts.refused.append({"member": member.member_id,
                                           "reasons": " ".join(p.message for p in problems)})
            else:
                todo.append((pk, m))
        counts.already_owned += len(owned)
        counts.do_not_contact += len(blocked)
        if not todo:
            return
        routed = route_ranked_list(ranked, [m for _, m in todo])
        new = [Referral(member_id=m, plan_id=ranked.plan_id, hub=ranked.hub,
                        organisation_id=routed[m][0], routing_reason=routed[m][1],
                        needs_routing=routed[m][0] == ranked.hub_id,
                        contract=contract, service=service,
                        contract_code=contract.code, service_code=service.code,
                        service_type=ranked.service_type or service.service_type.slug,
                        source="ranked_list", ranked_entry_id=pk, due_at=due, created_by=actor,
                        updated_by=actor)
               for pk, m in todo]
        Referral.objects.bulk_create(new, batch_size=BATCH)
        rows = list(Referral.objects.filter(ranked_entry_id__in=[pk for pk, _ in todo],
                                            source="ranked_list", state__in=OPEN_STATES)
                    .values_list("pk", "member_id", "organisation_id"))
        ReferralEvent.objects.bulk_create(
            [ReferralEvent(referral_id=pk, member_id=m, organisation_id=org, kind="assigned",
                           to_state=State.ASSIGNED.value, note=f"ranked list {ranked.name}",
                           actor=actor, at=now) for pk, m, org in rows], batch_size=BATCH)
        grants = {(m, org) for _, m, org in rows} | (
            {(m, ranked.hub_id) for _, m, _ in rows} if ranked.hub_id else set())
        grant_assignment_access(ranked, grants)
        counts.created += len(rows)


def finish_assignment(ranked: RankedList, counts: AssignCounts, *, not_selected: int,
                      cbos_skipped: list[str], acting: Acting) -> None:
    """Mark the list assigned and audit the assignment once (in the job's last
    transaction, with its checkpoint)."""
    ranked.assigned_at = timezone.now()
    with scopes_disabled():
        RankedList.objects.filter(pk=ranked.pk).update(assigned_at=ranked.assigned_at)
    audit.record("create", object_type="ranked_list_assignment", object_id=str(ranked.pk),
                 acting=acting,
                 detail={"referrals": counts.created, "already_owned": counts.already_owned,
                         "do_not_contact": counts.do_not_contact,
                         "not_selected": not_selected,
                         "refused": {r["member"]: r["reasons"] for r in counts.refused},
                         "refused_count": counts.refused_count,
                         "cbos_skipped": cbos_skipped})
    # One notice per organisation with its count, as the one-shot assignment gives: each
    # CBO's supervisors, the hub's coordinators for what waits for routing and for a
    # plan's list sent through the hub. Sent once, with the job's last checkpoint.
    with scopes_disabled():
        placed = list(Referral.objects.filter(ranked_entry__ranked_list=ranked,
                                              source="ranked_list")
                      .values_list("organisation_id", flat=True))
    notices.placed_in_bulk(placed, acting=acting)
    if ranked.hub_id is not None and counts.created:
        notices.sent_to_hub(ranked.hub_id, acting=acting, count=counts.created)

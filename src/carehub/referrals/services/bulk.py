"""Ranked lists: store a plan's ranked eligible list, then turn its selected rows into
referrals in bulk (one transaction, a few statements per thousand members), each routed
by `referrals.routing` (held by the hub when no CBO qualifies). Every member is checked
against the contract's rules (`referrals.rules`) first; members the rules refuse are
reported back by name."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.contracts.selectors import contract_in_effect_between
from carehub.core.referral_states import State
from carehub.members.imports import ImportProblem, RankedRow
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
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
from carehub.referrals.rules import Door, Problem
from carehub.referrals.services.base import ReferralError, RuleRefused
from carehub.referrals.services.creation import due_at_for, resolve_contract
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

BATCH = 5000


@dataclass(frozen=True)
class RefusedMember:
    """A selected member the contract's rules refuse, with every rule broken."""

    member_id: str  # the plan's member id
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class AssignResult:
    created: int
    already_owned: int
    not_selected: int
    do_not_contact: int
    refused: tuple[RefusedMember, ...] = field(default=())
    # CBOs offered for the rotation that do not deliver under the contract.
    cbos_skipped: tuple[str, ...] = field(default=())



def paid_contract(plan: Organisation, contract_code: str) -> Contract | None:
    """The plan's contract of that code (None when there is none or no code)."""
    code = contract_code.strip()
    return Contract.objects.filter(code=code, payer=plan).first() if code else None


def no_such_contract(plan: Organisation, contract_code: str) -> ReferralError:
    return ReferralError(f"There is no contract {contract_code or '(none given)'} "
                         f"paid by {plan.name}.")


def contract_service(contract: Contract, service_code: str) -> ServiceDefinition:
    """The contract's service of that code; ReferralError naming its services otherwise."""
    service = ServiceDefinition.objects.filter(contract=contract, code=service_code.strip()).first()
    if service is None:
        codes = ", ".join(ServiceDefinition.objects.filter(contract=contract)
                          .order_by("code").values_list("code", flat=True))
        raise ReferralError(f"{service_code or 'No service'} is not a service of "
                            f"{contract.code}; its services are {codes or 'not defined yet'}.")
    return service


def not_on_roster(plan: Organisation, rows: list[RankedRow],
                  known: set[str]) -> list[tuple[int, str, str]]:
    """(row, column, message) for each row whose member is not in `known`."""
    return [(r.row, "member_id", f"{r.member_id} is not on {plan.name}'s roster")
            for r in rows if r.member_id not in known]


def save_ranked_list(plan: Organisation, rows: list[RankedRow], *, name: str, contract_code: str,
                     service_code: str, acting: Acting, service_type: str = "",
                     hub: Organisation | None = None,
                     source_bytes: bytes = b"") -> tuple[RankedList, bool]:
    """Store the list; the same file for the same plan and contract is stored once. The
    audit event is the plan's (whose list it is), by the acting user. The contract code
    must name a contract the plan pays for and the service code one of its services
    (ReferralError otherwise)."""
    digest = hashlib.sha256(source_bytes or repr(rows).encode()).hexdigest()
    with transaction.atomic(), scopes_disabled():
        contract = paid_contract(plan, contract_code)
        existing = (RankedList.objects.filter(plan=plan, contract_code=contract.code,
                                              source_sha256=digest).first()
                    if contract is not None else None)
        if existing is not None:
            return existing, False
        members = dict(Member.objects.filter(plan=plan, member_id__in=[r.member_id for r in rows])
                       .values_list("member_id", "pk"))
        missing = not_on_roster(plan, rows, set(members))
        if missing:
            raise ImportProblem(name, missing[:200])
        if contract is None:
            raise no_such_contract(plan, contract_code)
        service = contract_service(contract, service_code)
        ranked = RankedList.objects.create(plan=plan, hub=hub, name=name, contract=contract,
                                           service=service, contract_code=contract.code,
                                           service_code=service.code,
                                           service_type=service_type, source_sha256=digest)
        RankedListEntry.objects.bulk_create(
            [RankedListEntry(ranked_list=ranked, member_id=members[r.member_id], rank=r.rank,
                             selected=r.selected, reasons=r.reasons, measures=r.measures)
             for r in rows], batch_size=BATCH)
        audit.record("create", object_type="ranked_list", object_id=str(ranked.pk),
                     acting=acting, organisation=plan, detail={"rows": len(rows), "name": name})
    return ranked, True


def grant_assignment_access(ranked: RankedList, grants: set[tuple[int, int]]) -> None:
    """Grant the hub and the CBOs a ranked list's members were referred to access to
    them: the one write of an assignment that crosses organisations, made only after
    checking the relationship (the plan's contract in effect with the hub, each CBO an
    accepted member of the hub's network, each member the plan's).

    A step of `assign_ranked_list`, inside its transaction and audited by it."""
    if not grants:
        return
    allowed: set[int] = set()
    if ranked.hub_id is not None:
        hub = ranked.hub
        assert hub is not None
        if contract_in_effect_between(ranked.plan, hub) is not None:
            allowed = {hub.pk, *network_cbos(hub).values_list("pk", flat=True)}
    refused = {o for _, o in grants} - allowed
    members = {m for m, _ in grants}
    with as_owner():
        foreign = Member.objects.filter(pk__in=members).exclude(plan_id=ranked.plan_id).exists()
        if refused or foreign:
            raise ValueError("These referrals go outside the plan's agreements with the hub.")
        have = set(MemberAccess.objects.filter(member_id__in=members)
                   .values_list("member_id", "organisation_id"))
        MemberAccess.objects.bulk_create(
            [MemberAccess(member_id=m, organisation_id=o, reason="referral")
             for m, o in sorted(grants - have)], batch_size=BATCH)


def _ranked_rules(ranked: RankedList, cbos: list[Organisation],
                  on: date) -> tuple[Door, list[Organisation], list[str]]:
    """The list's contract rules, and the offered CBOs that deliver under the contract
    (with the names of those that do not). RuleRefused when the contract or the hub
    refuses the whole list."""
    contract: Contract | None = ranked.contract
    service: ServiceDefinition | None = ranked.service
    if contract is None:
        # A list stored before the keys existed: its codes, read as a form's would be.
        with scopes_disabled():
            contract, service = resolve_contract(Member(plan_id=ranked.plan_id),
                                                 contract_code=ranked.contract_code,
                                                 service_code=ranked.service_code)
    door = Door(contract, service, on, service_code=ranked.service_code)
    problems = [*door.contract_problems(), *door.hub_problems(ranked.hub)]
    if problems:
        raise RuleRefused(problems, preface=f"Ranked list {ranked.name} not assigned")
    allowed = [c for c in cbos if not door.organisation_problems(c)]
    skipped = [c.name for c in cbos if c not in allowed]
    if not allowed:
        raise RuleRefused(door.organisation_problems(cbos[0]),
                          preface=f"Ranked list {ranked.name} not assigned: no CBO offered "
                                  f"delivers under {contract.code}")
    return door, allowed, skipped


def assign_ranked_list(ranked: RankedList, cbos: list[Organisation], *,
                       acting: Acting) -> AssignResult:
    """Create referrals for the selected rows (rank order), skipping members someone
    already works with for this service and members who asked not to be contacted.

    The contract's rules are checked as for one referral (`rules.check_referral`): a
    contract or hub that refuses the whole list raises RuleRefused and nothing is made;
    a member the rules refuse (population, the period's volume) is left out and named
    in the result's `refused`; CBOs offered that do not deliver under the contract get
    no referrals and are named in `cbos_skipped`."""
    if not cbos:
        raise ValueError("no CBO to assign to: the hub's network is empty")
    now = timezone.now()
    actor = acting.user
    door, cbos, cbos_skipped = _ranked_rules(ranked, cbos, timezone.localdate(now))
    contract, service = door.contract, door.service
    assert service is not None
    due = due_at_for(contract, service.code, created=now, anchor_date=None)
    with transaction.atomic(), scopes_disabled():
        entries = list(RankedListEntry.objects.filter(ranked_list=ranked).order_by("rank")
                       .values_list("pk", "member_id", "selected"))
        selected = [(pk, m) for pk, m, sel in entries if sel]
        member_ids = [m for _, m in selected]
        owned = set(Referral.objects.filter(member_id__in=member_ids,
                                            service_code=service.code,
                                            state__in=OPEN_STATES).values_list("member_id", flat=True))
        blocked = set(ContactPreference.objects.filter(member_id__in=member_ids,
                                                       do_not_contact=True)
                      .values_list("member_id", flat=True))
        candidates = [(pk, m) for pk, m in selected if m not in owned and m not in blocked]
        members = Member.objects.in_bulk([m for _, m in candidates])
        spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        for m, start, end in EnrolmentSpan.objects.filter(
                member_id__in=[m for _, m in candidates]).values_list("member_id", "start", "end"):
            spans[m].append((start, end))
        todo: list[tuple[int, int]] = []
        refused: list[RefusedMember] = []
        for pk, m in candidates:
            member = members[m]
            problems = [*door.member_problems(member, spans=spans[m]),
                        *door.volume_problems(extra=len(todo))]
            if problems:
                refused.append(RefusedMember(member.member_id, tuple(problems)))
            else:
                todo.append((pk, m))
        # Routing in rank order: the directory, the contract's delivering CBOs and their
        # load; a member no CBO qualifies for waits in the hub's needs-routing queue.
        routed = route_ranked_list(ranked, [m for _, m in todo])
        plan_id = ranked.plan_id
        new = [Referral(member_id=m, plan_id=plan_id, hub=ranked.hub,
                        organisation_id=routed[m][0], routing_reason=routed[m][1],
                        needs_routing=routed[m][0] == ranked.hub_id,
                        contract=contract, service=service,
                        contract_code=contract.code, service_code=service.code,
                        service_type=ranked.service_type or service.service_type.slug,
                        source="ranked_list", ranked_entry_id=pk, due_at=due, created_by=actor,
                        updated_by=actor)
               for pk, m in todo]
        Referral.objects.bulk_create(new, batch_size=BATCH)
        created = list(Referral.objects.filter(ranked_entry__ranked_list=ranked,
                                               source="ranked_list")
                       .values_list("pk", "member_id", "organisation_id"))
        fresh = {m for _, m in todo}
        rows = [(pk, m, org) for pk, m, org in created if m in fresh]
        ReferralEvent.objects.bulk_create(
            [ReferralEvent(referral_id=pk, member_id=m, organisation_id=org, kind="assigned",
                           to_state=State.ASSIGNED.value, note=f"ranked list {ranked.name}",
                           actor=actor, at=now) for pk, m, org in rows], batch_size=BATCH)
        grants = {(m, org) for _, m, org in rows} | (
            {(m, ranked.hub_id) for _, m, _ in rows} if ranked.hub_id else set())
        grant_assignment_access(ranked, grants)
        ranked.assigned_at = now
        ranked.save(update_fields=["assigned_at"])
        audit.record("create", object_type="ranked_list_assignment", object_id=str(ranked.pk),
                     acting=acting,
                     detail={"referrals": len(rows), "already_owned": len(owned),
                             "do_not_contact": len(blocked),
                             "refused": {r.member_id: [p.rule for p in r.problems]
                                         for r in refused},
                             "cbos_skipped": cbos_skipped})
        # One notice per organisation with its count: supervisors of each CBO, the
        # hub's coordinators for those held for routing.
        notices.placed_in_bulk([org for _, _, org in rows], acting=acting)
        if ranked.hub_id is not None:
            notices.sent_to_hub(ranked.hub_id, acting=acting, count=len(rows))
    return AssignResult(created=len(rows), already_owned=len(owned),
                        not_selected=len(entries) - len(selected), do_not_contact=len(blocked),
                        refused=tuple(refused), cbos_skipped=tuple(cbos_skipped))

"""Routing a referral to a CBO, with the reason in words.

A CBO is a candidate for a member, a contract and a directory service type when it

- delivers under the contract (an accepted delivering party of it) and still takes part
  in the hub's network,
- offers that service type in the directory (an active service, accepting or
  waitlisting, not closed) covering the member's county or zip code,
- has at least one active supervisor or worker to do the work.

Candidates are ranked by language match, then open load, then name. When none qualifies
the referral is not placed at a CBO: it waits in the hub's needs-routing queue with the
reason (see `services.placement`).

`Router` reads the directory, the contract's delivering list, the staff and the load
once, so deciding for a ranked list of 50,000 members costs no query per member.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django_scopes import scopes_disabled

from carehub.contracts.models import (
    Acceptance,
    Contract,
    ContractParty,
    PartyRole,
    ServiceDefinition,
)
from carehub.members.models import Member
from carehub.network.models import CapacityStatus, Service, ServiceStatus, ServiceType
from carehub.referrals.models import OPEN_STATES, RankedList, Referral
from carehub.tenancy.access import network_cbos
from carehub.tenancy.models import Membership, Organisation, Role
from carehub.tenancy.rls import as_owner

STAFF_ROLES = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)
ROUTABLE_CAPACITY = (CapacityStatus.ACCEPTING, CapacityStatus.WAITLIST)
NEAR_MISSES_SHOWN = 3


class UnknownServiceType(ValueError):
    """A service type that is not in the directory's taxonomy."""


@dataclass(frozen=True)
class Candidate:
    """One CBO that qualifies, with what it was chosen on."""

    organisation: Organisation
    service_name: str
    area: str  # "Bronx County" or "zip 10451": where the member lives that it covers
    capacity: str  # accepting | waitlist
    waitlist_length: int | None
    speaks: str  # the member's language when the service lists it, else ""
    open_referrals: int

    @property
    def capacity_words(self) -> str:
        if self.capacity == CapacityStatus.WAITLIST:
            waiting = f", {self.waitlist_length} waiting" if self.waitlist_length else ""
            return f"waitlisting{waiting}"
        return "accepting"


@dataclass(frozen=True)
class Decision:
    """The organisation routing chose (None: nobody qualifies), why, and who qualified."""

    organisation: Organisation | None
    reason: str
    candidates: tuple[Candidate, ...] = ()

    @property
    def placed(self) -> bool:
        return self.organisation is not None


@dataclass
class _Offer:
    """A directory service, reduced to what routing compares."""

    organisation_id: int
    name: str
    type_id: int
    capacity: str
    waitlist_length: int | None
    counties: frozenset[str]
    zips: frozenset[str]
    languages: dict[str, str] = field(default_factory=dict)  # casefolded -> as written


def county_words(county: str) -> str:
    """"Bronx, NY" -> "Bronx County": how people name a county in a sentence."""
    name = county.split(",")[0].strip()
    if not name:
        return ""
    return name if name.lower().endswith(("county", "parish", "borough")) else f"{name} County"


def member_area(member: Member) -> str:
    if member.county:
        return county_words(member.county)
    if member.zip:
        return f"zip {member.zip}"
    return "the member's area (no county or zip code on file)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class Router:
    """Routing decisions for one hub's network, its data read once.

    `decide` is pure; `record` counts a placed referral into the load, so a ranked list
    routed in one go spreads over equally good CBOs instead of piling onto the first.
    """

    def __init__(self, hub: Organisation) -> None:
        self.hub = hub
        # Routing is the hub's decision over its whole network: it reads other
        # organisations' directory entries, staff counts and loads (never member data).
        with scopes_disabled(), as_owner():
            cbos = {o.pk: o for o in network_cbos(hub)}
            self.cbos = cbos
            self.types = {t.pk: t for t in ServiceType.objects.all()}
            self._type_keys: dict[str, ServiceType] = {}
            for t in self.types.values():
                self._type_keys[t.slug.casefold()] = t
                self._type_keys[t.name.casefold()] = t
            self.offers: dict[int, list[_Offer]] = {}
            self.closed: dict[int, set[int]] = {}  # type id -> CBOs whose service is closed
            rows = (Service.objects.filter(organisation_id__in=list(cbos),
                                           status=ServiceStatus.ACTIVE)
                    .order_by("organisation__name", "name")
                    .values_list("organisation_id", "name", "service_type_id",
                                 "capacity_status", "waitlist_length", "coverage_counties",
                                 "coverage_zips", "languages"))
            for org_id, name, type_id, capacity, waiting, counties, zips, languages in rows:
                offer = _Offer(org_id, name, type_id, capacity, waiting,
                               frozenset(counties or ()), frozenset(str(z) for z in zips or ()),
                               {str(x).casefold(): str(x) for x in languages or ()})
                if capacity in ROUTABLE_CAPACITY:
                    self.offers.setdefault(type_id, []).append(offer)
                else:
                    self.closed.setdefault(type_id, set()).add(org_id)
            self.staffed = set(
                Membership.objects.filter(organisation_id__in=list(cbos), is_active=True,
                                          user__is_active=True, role__in=STAFF_ROLES)
                .values_list("organisation_id", flat=True))
            self.load: Counter[int] = Counter(dict(
                Referral.objects.filter(organisation_id__in=list(cbos), state__in=OPEN_STATES)
                .values_list("organisation_id").annotate(n=Count("id")).order_by()))
        self._delivering: dict[int, frozenset[int]] = {}
        self._contracts: dict[str, Contract | None] = {}

    # --- lookups -------------------------------------------------------------------

    def service_type(self, value: str | ServiceType) -> ServiceType:
        """The taxonomy's service type for a slug or name, in any letter case."""
        if isinstance(value, ServiceType):
            return value
        found = self._type_keys.get(value.strip().casefold())
        if found is None:
            raise UnknownServiceType(f"{value!r} is not a service type of the directory.")
        return found

    def contract(self, code: str) -> Contract | None:
        """The contract named `code`, read once."""
        if code not in self._contracts:
            with scopes_disabled(), as_owner():
                self._contracts[code] = Contract.objects.filter(code=code).first()
        return self._contracts[code]

    def delivering(self, contract: Contract) -> frozenset[int]:
        """The CBOs that accepted to deliver under `contract` and are in the network."""
        if contract.pk not in self._delivering:
            with scopes_disabled(), as_owner():
                accepted = set(ContractParty.objects.filter(
                    contract=contract, role=PartyRole.DELIVERING, status=Acceptance.ACCEPTED)
                    .values_list("organisation_id", flat=True))
                listed = set(contract.delivering_cbos.values_list("pk", flat=True))
            self._delivering[contract.pk] = frozenset(accepted & listed & set(self.cbos))
        return self._delivering[contract.pk]

    # --- deciding ------------------------------------------------------------------

    def candidates(self, member: Member, contract: Contract,
                   service_type: ServiceType) -> tuple[list[Candidate], list[str]]:
        """Qualifying CBOs, best first, and the near misses in words."""
        delivering = self.delivering(contract)
        county, zip_code = member.county or "", member.zip or ""
        language = (member.language or "").strip()
        wanted = language.casefold()
        best: dict[int, Candidate] = {}
        near: dict[int, str] = {}
        for offer in self.offers.get(service_type.pk, ()):
            org_id = offer.organisation_id
            if county and county in offer.counties:
                area = county_words(county)
            elif zip_code and zip_code in offer.zips:
                area = f"zip {zip_code}"
            else:
                continue
            name = self.cbos[org_id].name
            if org_id not in delivering:
                near.setdefault(org_id, f"{name} does not deliver under {contract.code}")
                continue
            if org_id not in self.staffed:
                near.setdefault(org_id, f"{name} has no active staff")
                continue
            speaks = offer.languages.get(wanted, "") if wanted else ""
            candidate = Candidate(self.cbos[org_id], offer.name, area, offer.capacity,
                                  offer.waitlist_length, speaks, self.load[org_id])
            current = best.get(org_id)
            # One line per CBO: its service that suits the member best.
            if current is None or self._rank(candidate, language) < self._rank(current, language):
                best[org_id] = candidate
            near.pop(org_id, None)
        for org_id in sorted(self.closed.get(service_type.pk, ()),
                             key=lambda pk: self.cbos[pk].name):
            if org_id in delivering and org_id not in best:
                near.setdefault(org_id, f"{self.cbos[org_id].name} is closed to referrals")
        ranked = sorted(best.values(), key=lambda c: self._rank(c, language))
        return ranked, [near[k] for k in sorted(near, key=lambda pk: self.cbos[pk].name)]

    @staticmethod
    def _rank(c: Candidate, language: str) -> tuple[int, int, int, str]:
        # A member who speaks English (or whose language is unknown) is served by anyone.
        needs_language = bool(language) and language.casefold() != "english"
        return (0 if (c.speaks or not needs_language) else 1,
                c.open_referrals, 0 if c.capacity == CapacityStatus.ACCEPTING else 1,
                c.organisation.name)

    def decide(self, member: Member, contract: Contract | None,
               service_type: str | ServiceType) -> Decision:
        """Where the referral goes and why. Never raises for a member or contract that
        fits nothing: the reason says what is missing."""
        try:
            kind = self.service_type(service_type) if service_type else None
        except UnknownServiceType as exc:
            return Decision(None, str(exc))
        if kind is None:
            return Decision(None, "no service type was given, so no CBO could be chosen")
        type_words = kind.name.lower()
        if contract is None:
            return Decision(None, f"no contract was given, so no CBO could be chosen for "
                                  f"{type_words}")
        ranked, near = self.candidates(member, contract, kind)
        if not ranked:
            reason = (f"no CBO under {contract.code} covers {member_area(member)} for "
                      f"{type_words}")
            if not (member.county or member.zip):
                reason = (f"no CBO under {contract.code} can be chosen for {type_words}: the "
                          f"member has no county or zip code on file")
            if near:
                reason += f" ({'; '.join(near[:NEAR_MISSES_SHOWN])})"
            return Decision(None, reason)
        chosen = ranked[0]
        return Decision(chosen.organisation, self.explain(chosen, contract, type_words),
                        tuple(ranked))

    @staticmethod
    def explain(c: Candidate, contract: Contract, type_words: str) -> str:
        parts = [f"delivers {contract.code}", f"offers {type_words} in {c.area}",
                 c.capacity_words]
        if c.speaks:
            parts.append(f"speaks {c.speaks}")
        parts.append(f"{_plural(c.open_referrals, 'open referral')}")
        return f"{c.organisation.name}: {', '.join(parts)}"

    def record(self, decision: Decision) -> None:
        """Count a placed referral into the load used by later decisions."""
        if decision.organisation is not None:
            self.load[decision.organisation.pk] += 1

    def decide_many(self, members: Iterable[Member], contract: Contract | None,
                    service_type: str | ServiceType) -> dict[int, Decision]:
        """Decisions for many members (member pk -> decision), each counted into the load
        before the next, in the order given (a ranked list's rank order)."""
        out: dict[int, Decision] = {}
        for member in members:
            decision = self.decide(member, contract, service_type)
            self.record(decision)
            out[member.pk] = decision
        return out


def route_ranked_list(ranked: RankedList, member_ids: list[int],
                      router: Router | None = None) -> dict[int, tuple[int, str]]:
    """Where each member of a ranked list goes (member pk -> organisation id, reason), in
    the order given: a CBO, or the list's hub when none qualifies (the referral then waits
    in the hub's needs-routing queue with the reason)."""
    hub = ranked.hub
    if hub is None:
        raise ValueError("A ranked list is routed in its hub's network: choose the hub.")
    router = router or Router(hub)
    contract = router.contract(ranked.contract_code)
    kind = ranked.service_type
    if not kind and contract is not None:
        with scopes_disabled(), as_owner():
            kind = (ServiceDefinition.objects.filter(contract=contract, code=ranked.service_code)
                    .values_list("service_type__slug", flat=True).first()) or ""
    members: dict[int, Member] = {}
    with scopes_disabled(), as_owner():
        for start in range(0, len(member_ids), 5000):
            chunk = member_ids[start:start + 5000]
            members.update((m.pk, m) for m in Member.objects.filter(pk__in=chunk)
                           .only("pk", "county", "zip", "language"))
    out: dict[int, tuple[int, str]] = {}
    for member_id in member_ids:
        decision = router.decide(members[member_id], contract, kind)
        router.record(decision)
        out[member_id] = (decision.organisation.pk if decision.organisation else hub.pk,
                          decision.reason[:400])
    return out

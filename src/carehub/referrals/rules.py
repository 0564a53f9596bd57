"""Contract rules at the door: may this member be referred to this organisation for this
service under this contract? One module for every way a referral is made (the hub's form,
the plan's form, a ranked list's assignment, a roster import with `--assign`, the API).

`check_referral` answers with a list of `Problem`s, empty when the referral may be made.
Each problem names its rule (`rule`, a stable code) and says in words what is wrong, with
the contract's code, so a refusal can be read and acted on. The rules:

- `contract_in_effect`: both parties accepted the contract and `as_of` is within its dates;
- `contract_stage`: the contract is at implementation (or renewal, still operating);
- `baa`: the business associate agreement is signed where the contract requires one;
- `service`: the service is one of the contract's service definitions;
- `payer`: the contract's payer is the member's plan;
- `organisation`: the receiving organisation is the contract's provider (the hub) or one
  of its delivering CBOs (an accepted member of the hub's network);
- `hub`: the hub sending the referral is the contract's provider;
- population rules from the contract's eligible population criteria (the WHO of the
  scope of work, in the format of `carehub eligibility`): `product`, `age`, `geography`
  (counties or zips), `hospice`, `risk_score`, `enrolled`, `pcp_npi`, and `criteria` when
  the criteria cannot be read. Rules that need claims (conditions, social needs,
  discharge) are left to the ranked list that selected the member;
- `volume`: the contract's maximum volume for the period (month, year or term) is not
  reached.

A hub administrator may override the rules in `OVERRIDABLE` with a reason
(`services.create_referral`); the others never.

`Door` holds what does not change from member to member, so a ranked list of thousands
is checked with a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import yaml
from django.db.models import Q
from django_scopes import scopes_disabled

from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract, ServiceDefinition, Stage
from carehub.core.eligibility import Criteria, CriteriaError, Range, Rules, parse_criteria
from carehub.core.periods import parse_month
from carehub.members.models import EnrolmentSpan, Member, Product
from carehub.referrals.models import Referral
from carehub.tenancy.access import hubs_of_cbo
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

# Stages at which a contract takes new referrals.
OPERATING_STAGES = (Stage.IMPLEMENTATION.value, Stage.RENEWAL.value)
# What a hub administrator may override with a reason: judgments about the member and the
# contract's pace. Never the relationships that make sharing the member's data lawful
# (in effect, BAA, the plan's own contract, its service, its provider and CBOs).
OVERRIDABLE = frozenset({"contract_stage", "product", "age", "geography", "hospice",
                         "risk_score", "enrolled", "pcp_npi", "criteria", "volume"})


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def _words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _product(value: str) -> str:
    return str(dict(Product.choices).get(value, value))


def _range_words(bounds: Range) -> str:
    def shown(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)
    if bounds.min is not None and bounds.max is not None:
        return f"{shown(bounds.min)} to {shown(bounds.max)}"
    if bounds.min is not None:
        return f"{shown(bounds.min)} or more"
    return f"{shown(bounds.max or 0)} or less"


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def volume_window(contract: Contract, as_of: date) -> tuple[date | None, date | None]:
    """The period the contract's volume limit counts over, around `as_of`."""
    if contract.volume_period == "year":
        return date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    if contract.volume_period == "term":
        return contract.starts, contract.ends
    month = parse_month(f"{as_of:%Y-%m}")
    return month.start, month.end


class Door:
    """The checks of one contract and service on one day; `member_problems` and
    `organisation_problems` are then asked per member and per organisation."""

    def __init__(self, contract: Contract, service: ServiceDefinition | None, as_of: date, *,
                 service_code: str = "") -> None:
        self.contract = contract
        self.service = service
        self.service_code = service.code if service is not None else service_code
        self.as_of = as_of
        self.code = contract.code
        self.criteria: Criteria | None = None
        self.criteria_problem: Problem | None = None
        if contract.criteria.strip():
            try:
                self.criteria = parse_criteria(yaml.safe_load(contract.criteria))
            except (CriteriaError, yaml.YAMLError) as exc:
                self.criteria_problem = Problem(
                    "criteria", f"The eligible population of {self.code} cannot be read "
                                f"({exc}); fix the contract's criteria first.")
        self._allowed_orgs: dict[int, bool] = {}
        self._volume_used: int | None = None

    # The contract and the service, whoever the member.
    def contract_problems(self) -> list[Problem]:
        c, code, day = self.contract, self.code, self.as_of
        out: list[Problem] = []
        if not contract_selectors.is_in_effect(c):
            out.append(Problem("contract_in_effect",
                               f"{code} is not in effect: both the plan and the provider "
                               f"must accept it."))
        elif c.starts and day < c.starts:
            out.append(Problem("contract_in_effect", f"{code} starts on {c.starts}."))
        elif c.ends and day > c.ends:
            out.append(Problem("contract_in_effect", f"{code} ended on {c.ends}."))
        if c.stage not in OPERATING_STAGES:
            out.append(Problem("contract_stage",
                               f"{code} is at {c.get_stage_display().lower()}; referrals are "
                               f"taken from implementation on."))
        if c.baa_required and (c.baa_signed_on is None or c.baa_signed_on > day):
            out.append(Problem("baa", f"{code} requires a business associate agreement and "
                                      f"it is not signed."))
        if self.service is None or self.service.contract_id != c.pk:
            with scopes_disabled():
                codes = list(ServiceDefinition.objects.filter(contract=c)
                             .order_by("code").values_list("code", flat=True))
            shown = self.service.code if self.service is not None else self.service_code
            out.append(Problem("service",
                               f"{shown or 'No service'} is not a service of {code}; its "
                               f"services are {_words(codes) or 'not defined yet'}."))
        if self.criteria_problem is not None:
            out.append(self.criteria_problem)
        return out

    def hub_problems(self, hub: Organisation | None) -> list[Problem]:
        if hub is None or hub.pk == self.contract.provider_id:
            return []
        return [Problem("hub", f"{hub.name} is not the provider of {self.code}.")]

    def organisation_problems(self, organisation: Organisation) -> list[Problem]:
        if organisation.pk not in self._allowed_orgs:
            c = self.contract
            allowed = organisation.pk == c.provider_id
            if not allowed:
                # The network and the delivering list belong to the hub: read as the
                # service, whoever acts (a plan refers through its hub).
                with scopes_disabled(), as_owner():
                    allowed = (c.delivering_cbos.filter(pk=organisation.pk).exists()
                               and hubs_of_cbo(organisation).filter(pk=c.provider_id).exists())
            self._allowed_orgs[organisation.pk] = allowed
        if self._allowed_orgs[organisation.pk]:
            return []
        return [Problem("organisation",
                        f"{organisation.name} does not deliver under {self.code}: referrals "
                        f"go to the provider or one of its delivering CBOs.")]

    def volume_used(self) -> int:
        """Referrals already made under the contract in the volume period."""
        if self._volume_used is None:
            start, end = volume_window(self.contract, self.as_of)
            found = Q(contract=self.contract)
            if start is not None:
                found &= Q(created_at__date__gte=start)
            if end is not None:
                found &= Q(created_at__date__lte=end)
            # Every referral under the contract counts, not only those the actor sees.
            with scopes_disabled(), as_owner():
                self._volume_used = Referral.objects.filter(found).count()
        return self._volume_used

    def volume_problems(self, extra: int = 0) -> list[Problem]:
        """`extra`: referrals counted on top (earlier members of the same batch)."""
        limit = self.contract.max_volume
        if limit is None or self.volume_used() + extra < limit:
            return []
        period = {"month": "this month", "year": "this year"}.get(
            self.contract.volume_period, "over the term")
        return [Problem("volume", f"{self.code} takes at most {limit} referrals {period}; "
                                  f"{self.volume_used() + extra} are made.")]

    def member_problems(self, member: Member, *,
                        spans: list[tuple[date, date | None]] | None = None) -> list[Problem]:
        """Payer and population rules. `spans`: the member's enrolment spans when the
        caller loaded them in bulk (read here otherwise)."""
        out: list[Problem] = []
        c = self.contract
        if member.plan_id != c.payer_id:
            with scopes_disabled():
                plan = Organisation.objects.filter(pk=member.plan_id).first()
            out.append(Problem("payer", f"There is no contract {self.code} paid by "
                                        f"{plan.name if plan else 'the member’s plan'}."))
            return out  # another plan's contract says nothing about this member
        if self.criteria is None:
            return out
        out += self._rules(member, self.criteria.require, spans, require=True)
        out += self._rules(member, self.criteria.exclude, spans, require=False)
        return out

    def _rules(self, member: Member, rules: Rules, spans: list[tuple[date, date | None]] | None,
               *, require: bool) -> list[Problem]:
        code, day = self.code, self.as_of
        out: list[Problem] = []

        def fails(rule: str, holds: bool, covers: str, excludes: str) -> None:
            # A require rule fails when it does not hold; an exclude rule when it does.
            if holds != require:
                out.append(Problem(rule, covers if require else excludes))

        if rules.product is not None:
            names = _words([_product(p) for p in rules.product])
            fails("product", member.product in rules.product,
                  f"{code} covers {names} members; this member is on {_product(member.product)}.",
                  f"{code} excludes {names} members; this member is on "
                  f"{_product(member.product)}.")
        if rules.age is not None:
            age = age_on(member.birth_date, day)
            fails("age", rules.age.holds(age),
                  f"{code} covers members aged {_range_words(rules.age)}; this member is {age}.",
                  f"{code} excludes members aged {_range_words(rules.age)}; this member is "
                  f"{age}.")
        if rules.counties is not None or rules.zips is not None:
            county = member.county.strip()
            zip5 = member.zip.strip()[:5]
            inside = ((rules.counties is not None and county.casefold()
                       in {x.strip().casefold() for x in rules.counties})
                      or (rules.zips is not None and zip5 in rules.zips))
            places = _words([*(rules.counties or ()), *(f"zip {z}" for z in rules.zips or ())])
            where = ", ".join(p for p in (county, zip5 and f"zip {zip5}") if p) or "no address"
            fails("geography", inside,
                  f"{code} covers members in {places}; this member lives in {where}.",
                  f"{code} excludes members in {places}; this member lives in {where}.")
        if rules.hospice is not None:
            state = "in hospice" if member.hospice else "not in hospice"
            wanted = "in hospice" if rules.hospice else "not in hospice"
            fails("hospice", member.hospice == rules.hospice,
                  f"{code} covers members {wanted}; this member is {state}.",
                  f"{code} excludes members {wanted}; this member is {state}.")
        if rules.risk_score is not None:
            score = None if member.risk_score is None else float(member.risk_score)
            shown = "unknown" if score is None else f"{member.risk_score}"
            fails("risk_score", rules.risk_score.holds(score),
                  f"{code} covers members with a risk score of {_range_words(rules.risk_score)}; "
                  f"this member's is {shown}.",
                  f"{code} excludes members with a risk score of "
                  f"{_range_words(rules.risk_score)}; this member's is {shown}.")
        if rules.pcp_npi is not None:
            fails("pcp_npi", member.pcp_npi.strip() in rules.pcp_npi,
                  f"{code} covers members of the listed primary care providers; this "
                  f"member's is not one of them.",
                  f"{code} excludes members of the listed primary care providers; this "
                  f"member's is one of them.")
        if rules.enrolled is not None:
            if spans is None:
                with scopes_disabled():
                    spans = list(EnrolmentSpan.objects.filter(member_id=member.pk)
                                 .values_list("start", "end"))
            enrolled = any(s <= day and (e is None or e >= day) for s, e in spans)
            now = "enrolled" if enrolled else "not enrolled"
            fails("enrolled", enrolled == rules.enrolled,
                  f"{code} covers members {'enrolled' if rules.enrolled else 'not enrolled'} "
                  f"on {day}; this member is {now}.",
                  f"{code} excludes members {'enrolled' if rules.enrolled else 'not enrolled'} "
                  f"on {day}; this member is {now}.")
        return out


def check_referral(*, member: Member, contract: Contract, service: ServiceDefinition | None,
                   organisation: Organisation, as_of: date,
                   hub: Organisation | None = None) -> list[Problem]:
    """Every rule the referral breaks; empty when it may be made."""
    door = Door(contract, service, as_of)
    return [*door.contract_problems(), *door.member_problems(member),
            *door.hub_problems(hub), *door.organisation_problems(organisation),
            *door.volume_problems()]

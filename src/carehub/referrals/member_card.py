"""What the referral page shows a worker about the member: how to reach them, why they
were referred, their open needs and their consent, under the sharing rule.

Contact details (phones, e-mail, address, contact preferences) and the ranked list's
reasons are shown to the member's plan (its roster), to the organisation holding the
open referral (its job is to reach the member) and, under an active data-sharing
consent, to the referral's other parties. Everyone party to the referral sees the facts
routing needs: age (not the birth date), product, language, county, the service, the
discharge date, how the referral was made and the consent status. Open needs follow
`selectors.Sharing` like every other record. Showing contact details is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import simple_icd_10_cm as icd
from django.http import HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.network.models import ServiceType
from carehub.referrals import selectors
from carehub.referrals.labels import label
from carehub.referrals.models import Consent, ConsentKind, Need, RankedListEntry, Referral
from carehub.tenancy.access import Acting
from carehub.tenancy.rls import as_owner

MEASURES: dict[str, str] = {
    "ed_visits_12m": "Emergency department visits, last 12 months",
    "inpatient_stays_12m": "Hospital stays, last 12 months",
    "allowed_12m": "Allowed cost, last 12 months ($)",
    "days_since_discharge": "Days since discharge",
    "social_need_codes": "Social-need codes on claims",
    "risk_score": "Risk score",
}


@dataclass(frozen=True)
class Phone:
    label: str
    digits: str
    display: str

    @property
    def href(self) -> str:
        return f"tel:+1{self.digits}" if len(self.digits) == 10 else f"tel:{self.digits}"


@dataclass
class MemberCard:
    age: int
    product: str
    language: str
    county: str
    service: str
    source: str
    discharge_date: date | None
    consent: str
    consent_active: bool
    contact_shown: bool
    phones: list[Phone] = field(default_factory=list)
    email: str = ""
    address: list[str] = field(default_factory=list)
    best_time: str = ""
    preferred_method: str = ""
    languages_spoken: str = ""
    reasons: list[str] = field(default_factory=list)
    measures: list[tuple[str, str]] = field(default_factory=list)
    rank: int | None = None
    needs: list[Need] = field(default_factory=list)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def may_reach(acting: Acting, referral: Referral, shared: bool) -> bool:
    """May the acting organisation see how to reach the member (see the module doc)?"""
    org = acting.organisation.pk
    return (org == referral.plan_id or shared
            or (referral.is_open and org == referral.organisation_id))


def _code_words(code: str) -> str:
    """An ICD-10-CM code with its description; a code the library does not know (or
    cannot read) is shown as it is."""
    try:
        known = icd.is_valid_item(code)
        return f"{icd.get_description(code)} ({code})" if known else code
    except Exception:  # noqa: BLE001
        return code


_RANGE = re.compile(r"^(?P<label>age|risk) (?P<value>[\d.]+)(?:(?P<op>>=|<=)(?P<bound>[\d.]+)"
                    r"| in (?P<low>[\d.]+)\.\.(?P<high>[\d.]+))$")
_CODE_DATE = re.compile(r"^(?P<code>[A-Z]\d[\dA-Z.]*) (?P<day>\d{4}-\d{2}-\d{2})$")
_DISCHARGE = re.compile(r"^discharge (?P<day>\d{4}-\d{2}-\d{2}) \((?P<nights>[^)]*)\)$")


def reason_in_words(phrase: str) -> str:
    """One phrase of `carehub eligibility`'s reasons ("risk 1.8>=1.5") in words."""
    phrase = phrase.strip()
    if m := _RANGE.match(phrase):
        what = "Age" if m["label"] == "age" else "Risk score"
        if m["op"]:
            bound = "at least" if m["op"] == ">=" else "at most"
            return f"{what} {m['value']} ({bound} {m['bound']})"
        return f"{what} {m['value']} (between {m['low']} and {m['high']})"
    if m := _DISCHARGE.match(phrase):
        return f"Discharged from hospital on {m['day']} after {m['nights']}"
    if m := _CODE_DATE.match(phrase):
        return f"{_code_words(m['code'])} recorded {m['day']}"
    if phrase.startswith("product "):
        return f"Product: {_product_words(phrase[len('product '):])}"
    if phrase.startswith("county "):
        return f"Lives in {phrase[len('county '):]}"
    if phrase.startswith("zip "):
        return f"Lives in zip code {phrase[len('zip '):]}"
    if phrase.startswith("pcp "):
        return f"Primary care provider NPI {phrase[len('pcp '):]}"
    if phrase.startswith("enrolled since "):
        return f"Enrolled since {phrase[len('enrolled since '):]}"
    if phrase == "hospice":
        return "In hospice"
    if phrase == "not in hospice":
        return "Not in hospice"
    return phrase[:1].upper() + phrase[1:]


def _product_words(code: str) -> str:
    from carehub.members.models import Product

    return str(dict(Product.choices).get(code, code))


def _consent_words(member_id: int) -> tuple[str, bool]:
    active = selectors.active_consent(member_id)
    if active is not None:
        until = f" until {active.expires_on:%Y-%m-%d}" if active.expires_on else ""
        return f"Data sharing: given {active.given_on:%Y-%m-%d}{until}", True
    last = (Consent.objects.filter(member_id=member_id, kind=ConsentKind.DATA_SHARING)
            .order_by("-given_on", "-pk").first())
    if last is None:
        return "No data-sharing consent recorded", False
    if last.revoked_at:
        return f"Data-sharing consent revoked {last.revoked_at:%Y-%m-%d}", False
    if last.given_on > timezone.localdate():
        return f"Data-sharing consent starts {last.given_on:%Y-%m-%d}", False
    return f"Data-sharing consent expired {last.expires_on:%Y-%m-%d}", False


def _service_words(referral: Referral) -> str:
    with scopes_disabled():
        name = (ServiceType.objects.filter(slug=referral.service_type)
                .values_list("name", flat=True).first()) if referral.service_type else None
    words = f"{name} ({referral.service_code})" if name else referral.service_code
    return f"{words} under {referral.contract_code}" if referral.contract_code else words


def _ranked_entry(referral: Referral) -> RankedListEntry | None:
    if referral.ranked_entry_id is None:
        return None
    # Ranked lists are the plan's and the hub's rows; the referral made from one carries
    # its reasons to the organisation holding it. Read by the referral's own link only.
    with scopes_disabled(), as_owner():
        return RankedListEntry.objects.filter(pk=referral.ranked_entry_id).first()


def member_card(request: HttpRequest | None, acting: Acting, referral: Referral,
                today: date | None = None) -> MemberCard:
    member = referral.member
    day = today or timezone.localdate()
    rule = selectors.sharing(member.pk, acting.organisation)
    consent, consent_active = _consent_words(member.pk)
    card = MemberCard(
        age=age_on(member.birth_date, day), product=member.get_product_display(),
        language=member.language, county=member.county, service=_service_words(referral),
        source=label(referral.source, "source"), discharge_date=referral.anchor_date,
        consent=consent, consent_active=consent_active,
        contact_shown=may_reach(acting, referral, rule.shared))
    card.needs = rule.rows(list(Need.objects.filter(member=member, status="active")
                                .order_by("at", "pk")))
    if not card.contact_shown:
        return card
    card.phones = [Phone(text, digits, display) for text, digits, display in (
        ("Phone", member.phone, member.phone_display),
        ("Other phone", member.phone_alt, member.phone_alt_display)) if digits]
    card.email = member.email
    card.address = [line for line in (
        member.address, ", ".join(p for p in (member.city, f"{member.state} {member.zip}".strip())
                                  if p)) if line]
    preference = selectors.contact_preference(member)
    if preference is not None:
        if preference.phone and preference.phone not in member.phone:
            card.phones.append(Phone("Preferred phone", re.sub(r"\D", "", preference.phone),
                                     preference.phone))
        card.best_time = preference.best_time
        card.preferred_method = label(preference.preferred_channel, "channel")
        card.languages_spoken = preference.languages
    entry = _ranked_entry(referral)
    if entry is not None:
        card.rank = entry.rank
        card.reasons = [reason_in_words(p) for p in entry.reasons.split(";") if p.strip()]
        card.measures = [(MEASURES.get(k, k.replace("_", " ").capitalize()), _value(v))
                         for k, v in sorted(entry.measures.items())]
    audit.record("view", request=request, actor=acting.user, organisation=acting.organisation,
                 object_type="member_contact", object_id=str(member.pk), member_id=member.pk,
                 detail={"referral": referral.pk, "ranked_reasons": entry is not None})
    return card


def _value(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)

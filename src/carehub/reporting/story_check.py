"""A member story must not identify the member: the text is checked before it is saved.

Two kinds of checks: the member's own details (names, plan member id, birth date, phone,
e-mail, street address, zip), and patterns that identify anyone (phone numbers, e-mail
addresses, dates, long runs of digits). Each hit is reported in words, so the person
writing the story knows what to take out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DATE = re.compile(r"(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2})(?!\d)")
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
          "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
WORD_DATE = re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b",
                       re.IGNORECASE)
DIGITS = re.compile(r"(?<!\d)\d{5,}(?!\d)")
# Short words in an address that say nothing on their own.
ADDRESS_NOISE = {"st", "street", "ave", "avenue", "rd", "road", "apt", "unit", "dr", "drive",
                 "ln", "lane", "blvd", "ct", "court", "n", "s", "e", "w", "the", "of"}


@dataclass(frozen=True)
class Finding:
    what: str  # "the member's last name", "a phone number" ...
    text: str  # the words found

    def __str__(self) -> str:
        return f'{self.what} ("{self.text}")'


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text)}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _date_forms(day: date) -> list[str]:
    return [day.isoformat(), f"{day.month}/{day.day}/{day.year}",
            f"{day.month:02d}/{day.day:02d}/{day.year}", f"{day.month}/{day.day}/{day.year % 100:02d}",
            f"{day:%B} {day.day}, {day.year}", f"{day:%B} {day.day} {day.year}",
            f"{day:%b} {day.day}, {day.year}"]


def member_findings(text: str, member: Any) -> list[Finding]:
    """The member's own details found in `text`."""
    found: list[Finding] = []
    lowered = text.lower()
    words = _words(text)
    for label, value in (("the member's first name", member.first_name),
                         ("the member's last name", member.last_name)):
        for part in _words(value or ""):
            if len(part) > 1 and part in words:
                found.append(Finding(label, part.capitalize()))
    if member.member_id and member.member_id.lower() in lowered:
        found.append(Finding("the member's plan member id", member.member_id))
    if member.birth_date:
        for form in _date_forms(member.birth_date):
            if form.lower() in lowered:
                found.append(Finding("the member's birth date", form))
                break
    digits_in_text = _digits(text)
    for phone in (member.phone, getattr(member, "phone_alt", "")):
        if phone and len(phone) >= 7 and phone in digits_in_text:
            found.append(Finding("the member's phone", phone))
    if member.email and member.email.lower() in lowered:
        found.append(Finding("the member's e-mail", member.email))
    address = (member.address or "").strip()
    if address:
        if address.lower() in lowered:
            found.append(Finding("the member's street address", address))
        else:
            # The house number followed by the street name is enough to find someone.
            match = re.match(r"\s*(\d+)\s+([A-Za-z]+)", address)
            if match and re.search(rf"\b{match.group(1)}\s+{re.escape(match.group(2))}\b",
                                   text, re.IGNORECASE):
                found.append(Finding("the member's street address",
                                     f"{match.group(1)} {match.group(2)}"))
    zip5 = _digits(member.zip or "")[:5]
    if len(zip5) == 5 and re.search(rf"(?<!\d){zip5}(?!\d)", text):
        found.append(Finding("the member's zip code", zip5))
    return found


def pattern_findings(text: str) -> list[Finding]:
    """Identifiers of anyone: phone numbers, e-mail addresses, dates, long digit runs."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(what: str, pattern: re.Pattern[str]) -> None:
        for match in pattern.finditer(text):
            span = match.span()
            if any(s <= span[0] < e or s < span[1] <= e for s, e in taken):
                continue
            taken.append(span)
            found.append(Finding(what, match.group(0).strip()))

    add("an e-mail address", EMAIL)
    add("a phone number", PHONE)
    add("a date (a birth date identifies a member)", DATE)
    add("a date (a birth date identifies a member)", WORD_DATE)
    add("a long number (an id, account or zip)", DIGITS)
    return found


def findings(text: str, member: Any) -> list[Finding]:
    """Everything in `text` that could identify the member, the member's own details first,
    each once."""
    seen: set[str] = set()
    out: list[Finding] = []
    for item in member_findings(text, member) + pattern_findings(text):
        key = _digits(item.text) or item.text.lower()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def refusal(found: list[Finding]) -> str:
    """The one-line answer when a story is refused."""
    return ("The story identifies the member; take out: "
            + "; ".join(str(f) for f in found) + ".")

"""A member story is refused when it identifies the member: each identifier named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from carehub.reporting.story_check import findings, refusal


@dataclass
class M:
    first_name: str = "Rosalind"
    last_name: str = "Okafor"
    member_id: str = "MCD-00451"
    birth_date: date = date(1951, 4, 7)
    phone: str = "7165550142"
    phone_alt: str = ""
    email: str = "rokafor@example.net"
    address: str = "41 Maple Street"
    zip: str = "14201"


CLEAN = ("A member in her seventies came home from hospital with no way to cook. Meals "
         "arrived within two days; three weeks later she was back at her church choir.")


def whats(text: str) -> list[str]:
    return [f.what for f in findings(text, M())]


def test_a_clean_story_passes():
    assert findings(CLEAN, M()) == []


@pytest.mark.parametrize(("text", "what"), [
    ("Rosalind came home.", "the member's first name"),
    ("Mrs okafor came home.", "the member's last name"),
    ("Her id MCD-00451 was checked.", "the member's plan member id"),
    ("Born 1951-04-07, she...", "the member's birth date"),
    ("Born April 7, 1951, she...", "the member's birth date"),
    ("Call her at 716 555 0142.", "the member's phone"),
    ("Write to ROKAFOR@example.net.", "the member's e-mail"),
    ("She lives at 41 Maple St.", "the member's street address"),
    ("Everyone in 14201 knows her.", "the member's zip code"),
])
def test_each_of_the_members_details_is_refused(text, what):
    assert what in whats(text)


@pytest.mark.parametrize(("text", "what"), [
    ("Her neighbour's number is (212) 555-7788.", "a phone number"),
    ("She wrote to helper@foodbank.org.", "an e-mail address"),
    ("On 3/14/1960 she was born.", "a date (a birth date identifies a member)"),
    ("On March 14, 1960 she was born.", "a date (a birth date identifies a member)"),
    ("Her account 99887766 was reopened.", "a long number (an id, account or zip)"),
])
def test_generic_identifiers_are_refused(text, what):
    assert what in whats(text)


def test_the_refusal_names_the_words_found():
    text = "Rosalind called from 716-555-0142."
    message = refusal(findings(text, M()))
    assert message.startswith("The story identifies the member; take out: ")
    assert '"Rosalind"' in message and '"7165550142"' in message
    # One finding per identifier: the member's phone is not reported twice.
    assert message.count("555") == 1


def test_common_words_and_short_numbers_pass():
    assert findings("She is 74, goes to 2 classes and eats 3 meals a day.", M()) == []

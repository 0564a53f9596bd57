"""The reference lists in carehub.core.reference (no Django, no database)."""

from __future__ import annotations

from carehub.core import reference
from carehub.demo.geography import COUNTIES


def test_every_demo_county_is_in_the_reference_list_with_its_fips():
    for county in COUNTIES:
        name, state = county.name.split(", ")
        assert reference.county_problem(county.name, state) is None
        assert reference.counties()[state][name] == county.fips


def test_new_york_has_its_62_counties():
    assert len(reference.counties()["NY"]) == 62


def test_a_state_without_a_county_list_checks_form_and_state_only():
    assert reference.county_problem("Cook, IL", "IL") is None
    assert reference.county_problem("Cook", "IL") is not None


def test_phone_numbers_lose_their_punctuation():
    assert reference.phone_digits("(716) 555-0142") == "7165550142"
    assert reference.phone_digits("1-716-555-0142") == "7165550142"
    assert reference.phone_digits("716 555 014") is None
    assert reference.phone_digits("016-555-0142") is None  # no area code starts with 0


def test_npi_check_digit():
    assert reference.is_npi("1234567893")  # the example in the CMS NPI standard
    assert not reference.is_npi("1234567890")


def test_booleans_take_true_and_false_only():
    assert reference.boolean("TRUE") is True and reference.boolean("false") is False
    assert reference.boolean("yes") is None and reference.boolean("0") is None

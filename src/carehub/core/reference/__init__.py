"""Reference lists that input is checked against: US state codes, counties, zip codes,
phone numbers, NPIs and the spellings of a boolean. Pure Python, no Django, so the file
readers (members.imports), analytics and the web forms all answer the same way.

Counties are listed per state in `counties.csv` (state, county, FIPS code). A county is
written `Name, ST` (population.md). For a state whose counties are in the file the name
must be one of them; for a state not yet listed only the form and the state code are
checked, so a plan elsewhere is not refused for lack of a list. Add a state's counties to
the file (U.S. Census Bureau county FIPS codes) to check them too.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

# USPS codes: the 50 states, the District of Columbia, the territories and the armed
# forces "states" (AA, AE, AP), which appear on real member addresses.
STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}

# A boolean in a payer file is spelled true or false (any case, as spreadsheets write
# TRUE); "yes", "no", "1", "0" are refused rather than guessed.
TRUE_SPELLINGS = ("true",)
FALSE_SPELLINGS = ("false",)

COUNTIES_FILE = Path(__file__).with_name("counties.csv")
_ZIP = re.compile(r"\d{5}")
_COUNTY = re.compile(r"(?P<name>\S.*?), (?P<state>[A-Z]{2})")
_PHONE_PUNCTUATION = re.compile(r"[\s().+\-]")


@cache
def counties() -> dict[str, dict[str, str]]:
    """State code → {county name → FIPS code}, for the states listed in counties.csv."""
    out: dict[str, dict[str, str]] = {}
    with COUNTIES_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["state"], {})[row["county"]] = row["fips"]
    return out


def state_problem(text: str) -> str | None:
    """None for a known two-letter state code (upper case), else what is wrong."""
    if text in STATES:
        return None
    if text.upper() in STATES:
        return f"{text!r} is not a state code; write it in capitals ({text.upper()})"
    return f"{text!r} is not a two-letter US state code such as NY"


def county_problem(text: str, state: str = "") -> str | None:
    """None for a county written `Name, ST` that exists (where the state's counties are
    listed) and lies in `state` when one is given; else what is wrong."""
    match = _COUNTY.fullmatch(text)
    if match is None:
        name = text.strip().removesuffix(" County")
        hint = f"'{name}, {state}'" if name in counties().get(state, {}) else "'Erie, NY'"
        return f"{text!r} is not a county written as 'Name, ST' (for example {hint})"
    name, code = match["name"], match["state"]
    if code not in STATES:
        return f"{text!r}: {code!r} is not a US state code"
    listed = counties().get(code)
    if listed is not None and name not in listed:
        near = [c for c in listed if c.lower() == name.lower().removesuffix(" county")]
        hint = f"; did you mean '{near[0]}, {code}'?" if near else ""
        return f"{text!r} is not a county of {STATES[code]}{hint}"
    if state and state in STATES and code != state:
        return f"{text!r} is in {code}, but the row's state is {state}"
    return None


def zip_problem(text: str) -> str | None:
    """None for a 5-digit zip code; the roster format holds no ZIP+4."""
    if _ZIP.fullmatch(text) and text != "00000":
        return None
    return f"{text!r} is not a 5-digit zip code such as 14201"


def phone_digits(text: str) -> str | None:
    """The 10 digits of a US phone number written with any punctuation ("(716) 555-0100",
    "716.555.0100", "+1 716 555 0100"), or None when it is not one."""
    digits = _PHONE_PUNCTUATION.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isdigit():
        return None
    # North American numbering: neither the area code nor the exchange starts with 0 or 1.
    if digits[0] in "01" or digits[3] in "01":
        return None
    return digits


def is_npi(text: str) -> bool:
    """True for a 10-digit NPI whose last digit is its check digit (Luhn over the
    prefix 80840 and the first nine digits, as CMS defines it)."""
    if len(text) != 10 or not text.isdigit():
        return False
    total = 24  # the Luhn sum of the prefix 80840
    for position, char in enumerate(reversed(text[:9])):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(text[9])


def boolean(text: str) -> bool | None:
    """True or False for the format's spellings (true/false, any case), else None."""
    lowered = text.lower()
    if lowered in TRUE_SPELLINGS:
        return True
    if lowered in FALSE_SPELLINGS:
        return False
    return None

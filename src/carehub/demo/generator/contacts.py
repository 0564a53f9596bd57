"""Phone and email columns of the roster, for outreach.

Each member's contact details are a pure function of (seed, member index): a 64-bit mix
rather than a random stream, so adding these columns moved no other column's draws and
a member gets the same phone whatever the chunking. Phones use the 555-0100..0199 range
that is reserved for fiction, emails the reserved example.com domains.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carehub.demo import geography
from carehub.demo.generator.arrow import fixed_width_strings
from carehub.demo.generator.options import I64

# Area codes of each county (geography.COUNTIES order); New York City has overlays.
_AREA_CODES: dict[str, tuple[int, ...]] = {
    "Erie, NY": (716,),
    "Niagara, NY": (716,),
    "Monroe, NY": (585,),
    "Onondaga, NY": (315,),
    "Kings, NY": (718, 347, 929),
    "Bronx, NY": (718, 347, 929),
}
PHONE_SHARE = 0.92  # most plan rosters carry a phone; some are missing
ALT_PHONE_SHARE = 0.30  # of those with a phone
EMAIL_SHARE_UNDER_65 = 0.55
EMAIL_SHARE_65_PLUS = 0.25
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def _mix(seed: int, gidx: I64, salt: int) -> np.ndarray:
    """splitmix64 of (seed, member, salt): uniform 64-bit values, no state."""
    with np.errstate(over="ignore"):
        z = (gidx.astype(np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
             + np.uint64(salt) * np.uint64(0xD1B54A32D192ED03))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _unit(seed: int, gidx: I64, salt: int) -> np.ndarray:
    return (_mix(seed, gidx, salt) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _phones(seed: int, gidx: I64, county: I64, salt: int) -> I64:
    choice = _mix(seed, gidx, salt)
    areas = [(_AREA_CODES[c.name]) for c in geography.COUNTIES]
    counts = np.array([len(a) for a in areas], dtype=np.uint64)
    table = np.array([a + (a[0],) * (3 - len(a)) for a in areas], dtype=np.int64)
    area = table[county, (choice % counts[county]).astype(np.int64)]
    line = 100 + ((choice >> np.uint64(8)) % np.uint64(100)).astype(np.int64)
    return area * 10_000_000 + 5_550_000 + line


def _missing(values: pa.Array, present: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(present), values, pa.scalar(None, values.type))


def contact_columns(seed: int, gidx: I64, county: I64, age: I64,
                    first: pa.Array, last: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(phone, phone_alt, email) per member, null where the plan has none."""
    has_phone = _unit(seed, gidx, 1) < PHONE_SHARE
    has_alt = has_phone & (_unit(seed, gidx, 2) < ALT_PHONE_SHARE)
    email_share = np.where(age >= 65, EMAIL_SHARE_65_PLUS, EMAIL_SHARE_UNDER_65)
    has_email = _unit(seed, gidx, 3) < email_share
    phone = _missing(fixed_width_strings("", _phones(seed, gidx, county, 4), 10), has_phone)
    alt = _missing(fixed_width_strings("", _phones(seed, gidx, county, 5), 10), has_alt)

    def local(names: pa.Array) -> pa.Array:
        # ASCII letters only: accents decomposed and dropped, spaces and apostrophes removed.
        plain = pc.utf8_normalize(pc.cast(names, pa.string()), form="NFKD")
        return pc.replace_substring_regex(pc.utf8_lower(plain), pattern="[^a-z]", replacement="")

    number = fixed_width_strings("", (_mix(seed, gidx, 6) % np.uint64(100)).astype(np.int64), 2)
    domain = pa.array(EMAIL_DOMAINS).take(
        pa.array((_mix(seed, gidx, 7) % np.uint64(len(EMAIL_DOMAINS))).astype(np.int64)))
    address = pc.binary_join_element_wise(
        pc.binary_join_element_wise(local(first), local(last), "."),
        pc.binary_join_element_wise(number, domain, "@"), "")
    return phone, alt, _missing(address, has_email)

"""The demo CBO network: one payer, one community care hub and nine CBOs.

All organisations are fictional; their streets, cities and zip codes are real places in
the counties the synthetic roster covers. `demo_network(seed)` returns plain dicts and
lists with stable keys (documented in docs/data/synthetic.md) so the demo seed data and
the directory can load it without importing anything else from the generator.
Identifiers (NPI, TIN, Medicaid provider id) are drawn from the seed; NPIs carry a valid
check digit but are not registered to anyone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from carehub.demo.geography import county_zips
from carehub.demo.identifiers import random_npis

NETWORK_VERSION = 1

# The 13 service types of the scope-of-work guide (product.md, capability A).
SERVICE_TYPES: tuple[tuple[str, str], ...] = (
    ("hrsn-assessment", "HRSN assessment"),
    ("nutrition", "Nutrition (medically tailored meals, produce, pantry)"),
    ("care-coordination", "Care coordination"),
    ("care-management", "Care management"),
    ("tenancy-support", "Tenancy support"),
    ("diabetes-prevention", "Diabetes prevention"),
    ("diabetes-self-management", "Diabetes self-management education and support"),
    ("civil-legal", "Civil legal services"),
    ("medical-respite", "Medical respite"),
    ("home-care", "Home care"),
    ("caregiver-support", "Caregiver support"),
    ("transportation", "Transportation"),
    ("transition-support", "Transition support"),
)
SERVICE_TYPE_SLUGS = tuple(slug for slug, _ in SERVICE_TYPES)

# A site is (name, street address, city, zip, county); capacity is members per month.
_CBOS: tuple[dict[str, Any], ...] = (
    {
        "id": "westside-food-wellness",
        "name": "Westside Food & Wellness Network",
        "counties": ["Erie, NY", "Niagara, NY"],
        "languages": ["English", "Spanish", "Arabic"],
        "services": [
            "nutrition",
            "hrsn-assessment",
            "diabetes-prevention",
            "diabetes-self-management",
        ],
        "sites": [
            ("Grant Street Kitchen", "412 Grant St", "Buffalo", "14213", "Erie, NY"),
            ("Niagara Falls Pantry", "1820 Pine Ave", "Niagara Falls", "14301", "Niagara, NY"),
        ],
        "capacity": 400,
    },
    {
        "id": "buffalo-neighborhood-housing",
        "name": "Buffalo Neighborhood Housing Partners",
        "counties": ["Erie, NY"],
        "languages": ["English", "Spanish"],
        "services": ["tenancy-support", "medical-respite", "transition-support"],
        "sites": [
            ("Main Street Office", "2410 Main St", "Buffalo", "14214", "Erie, NY"),
            ("Respite House", "77 Jefferson Ave", "Buffalo", "14204", "Erie, NY"),
        ],
        "capacity": 120,
    },
    {
        "id": "queen-city-legal",
        "name": "Queen City Legal Aid Collaborative",
        "counties": ["Erie, NY", "Niagara, NY"],
        "languages": ["English", "Spanish", "Burmese"],
        "services": ["civil-legal", "hrsn-assessment"],
        "sites": [("Downtown Office", "290 Main St", "Buffalo", "14202", "Erie, NY")],
        "capacity": 90,
    },
    {
        "id": "niagara-frontier-caregivers",
        "name": "Niagara Frontier Caregiver Alliance",
        "counties": ["Niagara, NY", "Erie, NY"],
        "languages": ["English", "Italian"],
        "services": ["caregiver-support", "home-care", "care-coordination"],
        "sites": [("Lockport Center", "85 Locust St", "Lockport", "14094", "Niagara, NY")],
        "capacity": 150,
    },
    {
        "id": "genesee-valley-chw",
        "name": "Genesee Valley Community Health Workers",
        "counties": ["Monroe, NY"],
        "languages": ["English", "Spanish", "Nepali"],
        "services": [
            "hrsn-assessment",
            "care-coordination",
            "care-management",
            "diabetes-self-management",
        ],
        "sites": [
            ("Joseph Avenue Hub", "640 Joseph Ave", "Rochester", "14621", "Monroe, NY"),
            ("Lyell Avenue Office", "1115 Lyell Ave", "Rochester", "14606", "Monroe, NY"),
        ],
        "capacity": 300,
    },
    {
        "id": "flower-city-rides",
        "name": "Flower City Rides & Errands",
        "counties": ["Monroe, NY"],
        "languages": ["English", "Spanish"],
        "services": ["transportation", "home-care"],
        "sites": [("Dispatch Center", "1350 Dewey Ave", "Rochester", "14613", "Monroe, NY")],
        "capacity": 500,
    },
    {
        "id": "salt-city-care-connections",
        "name": "Salt City Care Connections",
        "counties": ["Onondaga, NY"],
        "languages": ["English", "Spanish", "Arabic", "Nepali"],
        "services": [
            "care-management",
            "care-coordination",
            "transition-support",
            "hrsn-assessment",
            "nutrition",
        ],
        "sites": [
            ("Salina Street Office", "2100 S Salina St", "Syracuse", "13205", "Onondaga, NY"),
        ],
        "capacity": 250,
    },
    {
        "id": "brooklyn-bridges-family",
        "name": "Brooklyn Bridges Family Services",
        "counties": ["Kings, NY"],
        "languages": ["English", "Spanish", "Chinese", "Russian", "Haitian Creole"],
        "services": [
            "nutrition",
            "tenancy-support",
            "hrsn-assessment",
            "caregiver-support",
            "diabetes-prevention",
        ],
        "sites": [
            ("Flatbush Center", "1550 Flatbush Ave", "Brooklyn", "11210", "Kings, NY"),
            ("Sunset Park Office", "5010 4th Ave", "Brooklyn", "11220", "Kings, NY"),
        ],
        "capacity": 600,
    },
    {
        "id": "south-bronx-navigators",
        "name": "South Bronx Health Navigators",
        "counties": ["Bronx, NY"],
        "languages": ["English", "Spanish", "Bengali", "French"],
        "services": [
            "care-coordination",
            "transportation",
            "civil-legal",
            "diabetes-self-management",
            "medical-respite",
        ],
        "sites": [
            ("Grand Concourse Office", "860 Grand Concourse", "Bronx", "10451", "Bronx, NY"),
            ("Westchester Avenue Site", "1200 Westchester Ave", "Bronx", "10459", "Bronx, NY"),
        ],
        "capacity": 550,
    },
)

# Zip codes each county's CBOs cover: the zips the synthetic members live in (from
# geography, the one list of them) plus downtown zips where members do not live but CBOs
# have offices or serve.
_SERVICE_ONLY_ZIPS: dict[str, tuple[str, ...]] = {
    "Erie, NY": ("14202", "14204", "14214"),
    "Kings, NY": ("11210",),
}
_COUNTY_ZIPS: dict[str, list[str]] = {
    name: sorted({*zips, *_SERVICE_ONLY_ZIPS.get(name, ())})
    for name, zips in county_zips().items()
}

_SERVICE_UNITS: dict[str, str] = {
    "hrsn-assessment": "assessment",
    "nutrition": "meal",
    "care-coordination": "15 minutes",
    "care-management": "month",
    "tenancy-support": "15 minutes",
    "diabetes-prevention": "session",
    "diabetes-self-management": "30 minutes",
    "civil-legal": "case",
    "medical-respite": "day",
    "home-care": "hour",
    "caregiver-support": "session",
    "transportation": "one-way trip",
    "transition-support": "episode",
}


def _tins(rng: np.random.Generator, count: int) -> list[str]:
    # Prefix 10-99 (IRS campus prefixes are two digits); not checked against real TINs.
    values = rng.choice(10**7, size=count, replace=False)
    prefixes = rng.integers(10, 99, size=count)
    return [f"{p:02d}-{v:07d}" for p, v in zip(prefixes.tolist(), values.tolist(), strict=True)]


def _medicaid_ids(rng: np.random.Generator, count: int) -> list[str]:
    # New York MMIS provider ids are 8 digits.
    return [f"{v:08d}" for v in rng.choice(10**8, size=count, replace=False).tolist()]


def _phone(rng: np.random.Generator, county: str) -> str:
    area = {
        "Erie, NY": "716",
        "Niagara, NY": "716",
        "Monroe, NY": "585",
        "Onondaga, NY": "315",
        "Kings, NY": "718",
        "Bronx, NY": "718",
    }[county]
    return f"{area}-555-{int(rng.integers(100, 200)):04d}"  # 555-01xx: fictional range


def demo_network(seed: int = 2026) -> dict[str, Any]:
    """The demo payer, hub and CBOs as plain data (JSON-serialisable)."""
    rng = np.random.default_rng([seed, 0x4E7])
    count = len(_CBOS) + 2
    npis = random_npis(rng, count, entity=2)
    tins = _tins(rng, count)
    medicaid_ids = _medicaid_ids(rng, count)

    payer = {
        "id": "northstar-lakes-health",
        "kind": "payer",
        "name": "Northstar Lakes Health Plan",
        "npi": npis[0],
        "tin": tins[0],
        "medicaid_provider_id": None,
        "products": ["medicaid", "medicare_advantage", "dsnp", "commercial"],
        "sites": [
            {
                "id": "northstar-lakes-health-hq",
                "name": "Headquarters",
                "address": "257 W Genesee St",
                "city": "Buffalo",
                "state": "NY",
                "zip": "14202",
                "county": "Erie, NY",
                "phone": _phone(rng, "Erie, NY"),
            }
        ],
        "coverage": {"counties": list(_COUNTY_ZIPS)},
    }
    cbos: list[dict[str, Any]] = []
    for i, spec in enumerate(_CBOS, start=2):
        zips = sorted({z for county in spec["counties"] for z in _COUNTY_ZIPS[county]})
        capacity = int(spec["capacity"])
        services = [
            {
                "service_type": slug,
                "name": dict(SERVICE_TYPES)[slug],
                "unit": _SERVICE_UNITS[slug],
                # Monthly member capacity per service, shared out of the CBO's total.
                "capacity_per_month": max(10, int(capacity / len(spec["services"]))),
            }
            for slug in spec["services"]
        ]
        sites = [
            {
                "id": f"{spec['id']}-{j + 1}",
                "name": name,
                "address": address,
                "city": city,
                "state": "NY",
                "zip": zip_code,
                "county": county,
                "phone": _phone(rng, county),
            }
            for j, (name, address, city, zip_code, county) in enumerate(spec["sites"])
        ]
        cbos.append(
            {
                "id": spec["id"],
                "kind": "cbo",
                "name": spec["name"],
                "npi": npis[i],
                "tin": tins[i],
                "medicaid_provider_id": medicaid_ids[i],
                "services": services,
                "sites": sites,
                "coverage": {"counties": list(spec["counties"]), "zips": zips},
                "languages": list(spec["languages"]),
                "capacity": {"members_per_month": capacity},
            }
        )
    all_counties = list(_COUNTY_ZIPS)
    hub = {
        "id": "four-rivers-care-hub",
        "kind": "hub",
        "name": "Four Rivers Community Care Hub",
        "npi": npis[1],
        "tin": tins[1],
        "medicaid_provider_id": medicaid_ids[1],
        "services": [
            {
                "service_type": slug,
                "name": dict(SERVICE_TYPES)[slug],
                "unit": _SERVICE_UNITS[slug],
                "capacity_per_month": 200,
            }
            for slug in ("hrsn-assessment", "care-coordination")
        ],
        "sites": [
            {
                "id": "four-rivers-care-hub-1",
                "name": "Hub Office",
                "address": "500 Seneca St",
                "city": "Buffalo",
                "state": "NY",
                "zip": "14204",
                "county": "Erie, NY",
                "phone": _phone(rng, "Erie, NY"),
            }
        ],
        "coverage": {
            "counties": all_counties,
            "zips": sorted({z for c in all_counties for z in _COUNTY_ZIPS[c]}),
        },
        "languages": ["English", "Spanish"],
        "capacity": {"members_per_month": 3000},
        "network": {
            "cbos": [c["id"] for c in cbos],
            "admin_fee_percent": "12.0",
        },
    }
    return {
        "version": NETWORK_VERSION,
        "service_types": [{"slug": s, "name": n} for s, n in SERVICE_TYPES],
        "payer": payer,
        "hub": hub,
        "cbos": cbos,
    }

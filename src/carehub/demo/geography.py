"""Counties the synthetic plan serves: places, zip codes and who lives there.

Race, Hispanic origin and language mixes are rounded approximations of the U.S. Census
Bureau American Community Survey 2018-2022 5-year estimates (table DP05 for race alone
and Hispanic or Latino of any race; table C16001 for language spoken at home by people
who speak English less than "very well"). docs/data/synthetic.md lists them with sources.
Cities and zip codes are real USPS places in each county; street names are real streets
of each city, but a generated house number on a street is not a real address.
"""

from __future__ import annotations

from dataclasses import dataclass

RACES: tuple[str, ...] = (
    "White",
    "Black or African American",
    "Asian",
    "American Indian or Alaska Native",
    "Native Hawaiian or Other Pacific Islander",
    "Some other race",
    "Two or more races",
)
ETHNICITIES: tuple[str, ...] = ("Hispanic or Latino", "Not Hispanic or Latino")
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Place:
    city: str
    zips: tuple[str, ...]
    streets: tuple[str, ...]


@dataclass(frozen=True)
class County:
    name: str  # "Erie, NY"
    fips: str
    member_share: float  # share of the plan's members living here
    race: tuple[float, ...]  # shares in RACES order, sum 1
    hispanic: float  # share Hispanic or Latino (any race)
    # Preferred language other than English: share of residents who speak English less
    # than "very well" (C16001), by language; English is the remainder.
    languages: dict[str, float]
    places: tuple[Place, ...]


COUNTIES: tuple[County, ...] = (
    County(
        name="Erie, NY",
        fips="36029",
        member_share=0.22,
        race=(0.755, 0.130, 0.044, 0.006, 0.0003, 0.017, 0.0477),
        hispanic=0.061,
        languages={"Spanish": 0.012, "Arabic": 0.005, "Burmese": 0.004, "Bengali": 0.003},
        places=(
            Place(
                "Buffalo",
                ("14201", "14207", "14208", "14211", "14212", "14213", "14215", "14216"),
                (
                    "Main St",
                    "Niagara St",
                    "Delaware Ave",
                    "Elmwood Ave",
                    "Bailey Ave",
                    "Genesee St",
                    "Broadway",
                    "Fillmore Ave",
                    "Jefferson Ave",
                    "Grant St",
                ),
            ),
            Place("Cheektowaga", ("14225", "14227"), ("Union Rd", "Harlem Rd", "Walden Ave")),
            Place("Lackawanna", ("14218",), ("Ridge Rd", "Abbott Rd", "Electric Ave")),
            Place("West Seneca", ("14224",), ("Seneca St", "Orchard Park Rd", "Center Rd")),
            Place("Tonawanda", ("14150",), ("Delaware St", "Military Rd", "Sheridan Dr")),
        ),
    ),
    County(
        name="Niagara, NY",
        fips="36063",
        member_share=0.07,
        race=(0.850, 0.072, 0.011, 0.012, 0.0002, 0.007, 0.0478),
        hispanic=0.035,
        languages={"Spanish": 0.004, "Italian": 0.001},
        places=(
            Place(
                "Niagara Falls",
                ("14301", "14303", "14304", "14305"),
                ("Pine Ave", "Main St", "Niagara St", "Highland Ave", "Hyde Park Blvd"),
            ),
            Place("Lockport", ("14094",), ("Main St", "Transit Rd", "Locust St", "Walnut St")),
            Place("North Tonawanda", ("14120",), ("Oliver St", "Payne Ave", "Webster St")),
        ),
    ),
    County(
        name="Monroe, NY",
        fips="36055",
        member_share=0.18,
        race=(0.710, 0.150, 0.039, 0.003, 0.0004, 0.035, 0.0626),
        hispanic=0.096,
        languages={"Spanish": 0.022, "Nepali": 0.003, "Arabic": 0.002},
        places=(
            Place(
                "Rochester",
                ("14605", "14606", "14607", "14608", "14609", "14611", "14613", "14621"),
                (
                    "Lyell Ave",
                    "Joseph Ave",
                    "Hudson Ave",
                    "Clinton Ave N",
                    "Dewey Ave",
                    "Genesee St",
                    "Monroe Ave",
                    "Park Ave",
                    "East Ave",
                    "Chili Ave",
                ),
            ),
            Place("Irondequoit", ("14617",), ("Culver Rd", "Titus Ave", "Ridge Rd E")),
            Place("Henrietta", ("14467",), ("Jefferson Rd", "East Henrietta Rd")),
        ),
    ),
    County(
        name="Onondaga, NY",
        fips="36067",
        member_share=0.11,
        race=(0.765, 0.110, 0.042, 0.008, 0.0003, 0.014, 0.0607),
        hispanic=0.058,
        languages={"Spanish": 0.009, "Arabic": 0.003, "Nepali": 0.002},
        places=(
            Place(
                "Syracuse",
                ("13202", "13203", "13204", "13205", "13207", "13208", "13210"),
                (
                    "Salina St",
                    "James St",
                    "Genesee St",
                    "Butternut St",
                    "Onondaga Ave",
                    "Midland Ave",
                    "Teall Ave",
                    "Burnet Ave",
                ),
            ),
            Place("Liverpool", ("13088",), ("Oswego St", "Old Liverpool Rd", "Vine St")),
            Place("East Syracuse", ("13057",), ("Manlius St", "Kinne St")),
        ),
    ),
    County(
        name="Kings, NY",
        fips="36047",
        member_share=0.24,
        race=(0.385, 0.284, 0.127, 0.004, 0.0005, 0.094, 0.1055),
        hispanic=0.188,
        languages={
            "Spanish": 0.062,
            "Chinese": 0.058,
            "Russian": 0.037,
            "Yiddish": 0.015,
            "Haitian Creole": 0.013,
        },
        places=(
            Place(
                "Brooklyn",
                (
                    "11201",
                    "11203",
                    "11206",
                    "11207",
                    "11208",
                    "11211",
                    "11212",
                    "11213",
                    "11216",
                    "11220",
                    "11221",
                    "11223",
                    "11226",
                    "11233",
                    "11235",
                    "11236",
                ),
                (
                    "Flatbush Ave",
                    "Atlantic Ave",
                    "Fulton St",
                    "Nostrand Ave",
                    "Utica Ave",
                    "Pitkin Ave",
                    "Myrtle Ave",
                    "Broadway",
                    "Eastern Pkwy",
                    "Church Ave",
                    "Kings Hwy",
                    "Ocean Pkwy",
                    "4th Ave",
                    "Bushwick Ave",
                    "Pennsylvania Ave",
                ),
            ),
        ),
    ),
    County(
        name="Bronx, NY",
        fips="36005",
        member_share=0.18,
        race=(0.195, 0.335, 0.039, 0.010, 0.001, 0.280, 0.140),
        hispanic=0.548,
        languages={"Spanish": 0.205, "Bengali": 0.008, "French": 0.005, "Arabic": 0.003},
        places=(
            Place(
                "Bronx",
                (
                    "10451",
                    "10452",
                    "10453",
                    "10454",
                    "10455",
                    "10456",
                    "10457",
                    "10458",
                    "10459",
                    "10460",
                    "10462",
                    "10463",
                    "10466",
                    "10467",
                    "10468",
                    "10469",
                    "10472",
                    "10473",
                ),
                (
                    "Grand Concourse",
                    "Southern Blvd",
                    "Webster Ave",
                    "Jerome Ave",
                    "Fordham Rd",
                    "Tremont Ave",
                    "Westchester Ave",
                    "White Plains Rd",
                    "Boston Rd",
                    "Castle Hill Ave",
                    "Morris Ave",
                    "Gun Hill Rd",
                ),
            ),
        ),
    ),
)

# Language spoken by Spanish speakers is Spanish; the other non-English languages are
# assigned among non-Hispanic residents (a simplification documented in synthetic.md).
SPANISH = "Spanish"
ENGLISH = "English"


def county_names() -> list[str]:
    return [c.name for c in COUNTIES]


def county_zips() -> dict[str, tuple[str, ...]]:
    """Every county's zip codes (of all its places), in county order."""
    return {c.name: tuple(z for place in c.places for z in place.zips) for c in COUNTIES}

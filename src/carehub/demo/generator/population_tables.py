"""Geography, language and name tables the members are drawn from (built at import)."""

from __future__ import annotations

import numpy as np

from carehub.demo import geography, names
from carehub.demo.generator.code_tables import index_of
from carehub.demo.generator.options import F64

ZIPS: list[str] = []
_ZIP_PLACE: list[int] = []
PLACE_CITY: list[str] = []
STREETS: list[str] = []
_PLACE_STREET_START: list[int] = []
_PLACE_STREET_COUNT: list[int] = []
_COUNTY_ZIP_START: list[int] = []
_COUNTY_ZIP_COUNT: list[int] = []
for _county in geography.COUNTIES:
    _COUNTY_ZIP_START.append(len(ZIPS))
    for _place in _county.places:
        _PLACE_STREET_START.append(len(STREETS))
        _PLACE_STREET_COUNT.append(len(_place.streets))
        STREETS.extend(_place.streets)
        for _zip in _place.zips:
            ZIPS.append(_zip)
            _ZIP_PLACE.append(len(PLACE_CITY))
        PLACE_CITY.append(_place.city)
    _COUNTY_ZIP_COUNT.append(len(ZIPS) - _COUNTY_ZIP_START[-1])

ZIP_PLACE = np.array(_ZIP_PLACE, dtype=np.int64)
PLACE_STREET_START = np.array(_PLACE_STREET_START, dtype=np.int64)
PLACE_STREET_COUNT = np.array(_PLACE_STREET_COUNT, dtype=np.int64)
COUNTY_ZIP_START = np.array(_COUNTY_ZIP_START, dtype=np.int64)
COUNTY_ZIP_COUNT = np.array(_COUNTY_ZIP_COUNT, dtype=np.int64)
COUNTY_CUM = np.cumsum([c.member_share for c in geography.COUNTIES]) / sum(
    c.member_share for c in geography.COUNTIES
)
RACE_CUM = np.array([np.cumsum(c.race) / sum(c.race) for c in geography.COUNTIES])
RACE_LABELS = [*geography.RACES, geography.UNKNOWN]
ETHNICITY_LABELS = [*geography.ETHNICITIES, geography.UNKNOWN]
LANGUAGES: list[str] = list(
    dict.fromkeys(
        [
            geography.ENGLISH,
            geography.SPANISH,
            *[lang for c in geography.COUNTIES for lang in c.languages],
        ]
    )
)
LANG = index_of(LANGUAGES)


def _language_tables() -> tuple[F64, F64]:
    """Per county: P(Spanish | Hispanic) and cumulative P(language | not Hispanic)."""
    spanish = np.zeros(len(geography.COUNTIES))
    other = np.zeros((len(geography.COUNTIES), len(LANGUAGES)))
    for i, county in enumerate(geography.COUNTIES):
        spanish[i] = min(county.languages.get(geography.SPANISH, 0.0) / county.hispanic, 0.9)
        probs = np.zeros(len(LANGUAGES))
        for lang, share in county.languages.items():
            if lang != geography.SPANISH:
                probs[LANG[lang]] = share / (1.0 - county.hispanic)
        probs[LANG[geography.ENGLISH]] = 1.0 - probs.sum()
        other[i] = np.cumsum(probs)
    return spanish, other


SPANISH_IF_HISPANIC, OTHER_LANGUAGE_CUM = _language_tables()

FIRST_NAMES: list[str] = [
    *names.FEMALE_NAMES,
    *names.MALE_NAMES,
    *names.HISPANIC_FEMALE_NAMES,
    *names.HISPANIC_MALE_NAMES,
]
FIRST_NAME_OFFSETS = np.cumsum(
    [0, len(names.FEMALE_NAMES), len(names.MALE_NAMES), len(names.HISPANIC_FEMALE_NAMES)]
)
FIRST_NAME_COUNTS = np.array(
    [
        len(names.FEMALE_NAMES),
        len(names.MALE_NAMES),
        len(names.HISPANIC_FEMALE_NAMES),
        len(names.HISPANIC_MALE_NAMES),
    ]
)
LAST_NAMES: list[str] = [*names.SURNAMES, *names.HISPANIC_SURNAMES]

SEX_LABELS = ["F", "M", "U"]

"""The criteria model: keys checked, defaults, the order ends on a unique key."""

from __future__ import annotations

import datetime as dt

import pytest

from carehub.core.eligibility import CriteriaError, RankKey, parse_criteria


def test_full_example_parses() -> None:
    c = parse_criteria(
        {
            "population": "post-discharge-meals",
            "as_of": dt.date(2026, 3, 1),
            "require": {
                "product": ["medicare_advantage", "dsnp"],
                "enrolled": True,
                "age": {"min": 65},
                "geography": {"zips": ["14201-1234"]},
                "conditions_any": {"icd10": ["E11", "I50"], "lookback_days": 365},
                "social_needs_any": {"icd10": ["Z59.41"]},
                "risk_score": {"min": 1.5},
                "pcp_npi": ["1234567893"],
                "discharge": {"within_days": 14, "min_nights": 1},
            },
            "exclude": {"hospice": True},
            "rank": [{"by": "risk_score", "order": "desc"}],
            "cap": 500,
        }
    )
    assert c.require.zips == ("14201",)
    assert c.require.social_needs_any is not None
    assert c.require.social_needs_any.dotless == ("Z5941",)
    assert c.require.order[:3] == ("product", "enrolled", "age")
    assert c.order_keys == (RankKey("risk_score", True), RankKey("member_id", False))
    assert c.rank_measures == ("risk_score",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"as_of": "2026-03-01", "requires": {}}, "criteria.requires"),
        ({"as_of": "2026-03-01", "require": {"age": {"minimum": 65}}}, "require.age.minimum"),
        ({"as_of": "2026-03-01", "rank": [{"by": "height"}]}, "rank[0].by"),
        ({"as_of": "2026-03-01", "require": {"conditions_any": {"icd10": ["5.0"]}}}, "icd10"),
        ({"as_of": "03/01/2026"}, "as_of"),
        ({"require": {}}, "as_of"),
        ({"as_of": "2026-03-01", "cap": -1}, "cap"),
        ({"as_of": "2026-03-01", "exclude": {"hospice": "yes"}}, "exclude.hospice"),
    ],
)
def test_bad_criteria_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(CriteriaError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_criteria(data)

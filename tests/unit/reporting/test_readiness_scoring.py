"""Readiness scores: points over the most possible per domain and overall, whole
percents half up, and the level words at their thresholds."""

import pytest

from carehub.reporting import readiness_questions as q


def answers(**by_domain: list[int]) -> dict[str, int]:
    out = {}
    for domain in q.DOMAINS:
        values = by_domain.get(domain.key, [2] * len(domain.questions))
        out.update({question.key: v for question, v in zip(domain.questions, values, strict=True)})
    return out


def test_exact_percents_per_domain_and_overall():
    scores = q.score(answers(billing=[2, 2, 1], data=[1, 1, 0], privacy=[0, 0, 0],
                             staffing=[2, 1, 1], finance=[1, 0, 0], governance=[2, 2, 2]))
    assert scores.by_domain == {"billing": 83, "data": 33, "privacy": 0, "staffing": 67,
                                "finance": 17, "governance": 100}
    # 5 + 2 + 0 + 4 + 1 + 6 = 18 points of 36.
    assert scores.overall == 50
    assert scores.level() == "ready with support"
    assert scores.level("billing") == "ready"
    assert scores.level("data") == "not yet"


def test_thresholds_at_their_edges():
    assert q.level(80) == "ready"
    assert q.level(79) == "ready with support"
    assert q.level(50) == "ready with support"
    assert q.level(49) == "not yet"
    assert q.level(0) == "not yet"


def test_half_up_rounding():
    assert q.percent(1, 6) == 17  # 16.67
    assert q.percent(1, 8) == 13  # 12.5 rounds up
    assert q.percent(5, 6) == 83


def test_every_question_must_be_answered_within_range():
    partial = answers()
    del partial["has_npi"]
    with pytest.raises(ValueError, match="Billing: no answer to 'Has an NPI or payer-assigned id'"):
        q.score(partial)
    with pytest.raises(ValueError, match="must be 0, 1 or 2, got 3"):
        q.score({**answers(), "has_npi": 3})
    with pytest.raises(ValueError, match="unknown question 'nope'"):
        q.score({**answers(), "nope": 1})

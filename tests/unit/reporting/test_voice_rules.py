"""Council composition against its rule and what counts as the same topic: plain
functions, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from carehub.reporting.models.voice import AdvisoryCouncil, CouncilMember
from carehub.reporting.selectors.voice import composition, same_label, same_topic, topic_words

TODAY = date(2026, 12, 6)


def council(minimum: str = "51", counts: str = "consumers") -> AdvisoryCouncil:
    return AdvisoryCouncil(name="CAC", minimum_share=Decimal(minimum), counts=counts)


def people(consumers: int, others: int, *, lived: int = 0, left: int = 0) -> list[CouncilMember]:
    members = [CouncilMember(name=f"c{i}", consumer=True, joined_on=date(2026, 1, 1))
               for i in range(consumers)]
    members += [CouncilMember(name=f"o{i}", consumer=False, lived_experience=i < lived,
                              joined_on=date(2026, 1, 1)) for i in range(others)]
    # Consumers who have left: never counted, in the numerator or the denominator.
    members += [CouncilMember(name=f"l{i}", consumer=True, lived_experience=True,
                              joined_on=date(2025, 1, 1), left_on=date(2026, 6, 1))
                for i in range(left)]
    return members


def test_five_of_nine_is_56_percent_and_meets_51():
    c = composition(council(), people(5, 4), on=TODAY)
    assert (c.counted, c.current, c.percent, c.meets) == (5, 9, 56, True)
    assert c.sentence == "5 of 9 (56%) consumers: meets the 51% rule."


def test_four_of_nine_is_44_percent_and_misses_51():
    c = composition(council(), people(4, 5), on=TODAY)
    assert (c.counted, c.current, c.percent, c.meets) == (4, 9, 44, False)
    assert c.sentence == "4 of 9 (44%) consumers: misses the 51% rule."


def test_seven_of_twelve_meets():
    assert composition(council(), people(7, 5), on=TODAY).sentence == (
        "7 of 12 (58%) consumers: meets the 51% rule.")


def test_members_who_left_are_not_counted():
    c = composition(council(), people(4, 5, left=3), on=TODAY)
    assert (c.counted, c.current, c.meets) == (4, 9, False)
    # On a day before they left they counted: 7 of 12.
    earlier = composition(council(), people(4, 5, left=3), on=date(2026, 3, 1))
    assert (earlier.counted, earlier.current, earlier.meets) == (7, 12, True)


def test_a_member_who_has_not_joined_yet_is_not_counted():
    members = people(1, 1) + [CouncilMember(name="soon", consumer=True, joined_on=date(2027, 1, 1))]
    assert composition(council(), members, on=TODAY).current == 2


def test_the_rule_compares_the_exact_share_not_the_rounded_one():
    # 101 of 200 is 50.5%: shown as 51% (half up) but short of a 51% rule.
    c = composition(council(), people(101, 99), on=TODAY)
    assert (c.percent, c.meets) == (51, False)
    assert "misses" in c.sentence
    assert composition(council("50.5"), people(101, 99), on=TODAY).meets


def test_the_basis_chooses_who_counts():
    members = people(2, 7, lived=4)  # 2 consumers, 4 others with lived experience
    assert composition(council(counts="consumers"), members, on=TODAY).counted == 2
    assert composition(council(counts="lived_experience"), members, on=TODAY).counted == 4
    both = composition(council(counts="either"), members, on=TODAY)
    assert (both.counted, both.percent, both.meets) == (6, 67, True)


def test_an_empty_council_misses_its_rule():
    c = composition(council(), [], on=TODAY)
    assert c.percent is None and not c.meets
    assert c.sentence == "No current members: misses the 51% rule."


def test_same_topic_by_field_or_shared_word():
    assert same_topic("Meal delivery times", "meal delivery times ")
    assert same_topic("Meal delivery times", "Delivery windows")
    assert not same_topic("Meal delivery times", "Housing navigation")
    # Short and common words do not make two topics the same.
    assert not same_topic("Bus fares", "Bus stops")
    assert topic_words("What about the food pantry hours?") == {"food", "pantry", "hours"}


def test_same_group_label_ignores_case_and_spacing_but_not_blank():
    assert same_label("DEMO-MEALS enrolled members", "demo-meals  enrolled members")
    assert not same_label("", "")
    assert not same_label("DEMO-MEALS enrolled members", "DEMO-HOUSING enrolled members")

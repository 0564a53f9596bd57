"""Scoring of the AHC HRSN tool, the Hunger Vital Sign and PRAPARE's social-needs items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carehub.commands import screen
from carehub.core.screening import (
    AHC_HRSN,
    ScreeningError,
    score_ahc_hrsn,
    score_hunger_vital_sign,
    score_prapare,
)

NEGATIVE_AHC = {
    "71802-3": "LA31993-1",
    "96778-6": ["LA9-3"],
    "88122-7": "LA28398-8",
    "88123-5": "LA28398-8",
    "93030-5": "LA32-8",
    "96779-4": "LA32-8",
    "95618-5": "LA6270-8",
    "95617-7": "LA6270-8",
    "95616-9": "LA6270-8",
    "95615-1": "LA6270-8",
}


def test_all_negative_answers_give_no_domain_and_minimum_safety_score() -> None:
    result = score_ahc_hrsn(NEGATIVE_AHC)
    assert result.positive_domains == ()
    assert result.safety_score == 4


@pytest.mark.parametrize(
    ("item", "answer", "domain"),
    [
        ("71802-3", "LA31994-9", "housing"),  # worried about losing it
        ("71802-3", "LA31995-6", "housing"),  # no steady place
        ("96778-6", ["LA31996-4"], "housing"),  # pests
        ("96778-6", ["LA9-3", "LA28580-1"], "housing"),  # mold among others
        ("88122-7", "LA6729-3", "food"),  # sometimes true
        ("88123-5", "LA28397-0", "food"),  # often true
        ("93030-5", "LA33-6", "transportation"),
        ("96779-4", "LA33-6", "utilities"),
        ("96779-4", "LA32002-0", "utilities"),  # already shut off
    ],
)
def test_each_positive_answer_flags_its_domain(item: str, answer: object, domain: str) -> None:
    answers = dict(NEGATIVE_AHC)
    answers[item] = answer  # type: ignore[assignment]
    assert score_ahc_hrsn(answers).positive_domains == (domain,)


def test_safety_positive_at_eleven_not_at_ten() -> None:
    # Frequently(5) + Sometimes(3) + Rarely(2) + Never(1) = 11
    answers = dict(NEGATIVE_AHC)
    answers.update(
        {
            "95618-5": "LA6482-9",
            "95617-7": "LA10082-8",
            "95616-9": "LA10066-1",
            "95615-1": "LA6270-8",
        }
    )
    result = score_ahc_hrsn(answers)
    assert result.safety_score == 11
    assert result.positive_domains == ("safety",)
    answers["95618-5"] = "LA16644-9"  # Fairly often (4): total 10
    result = score_ahc_hrsn(answers)
    assert result.safety_score == 10
    assert result.positive_domains == ()


def test_safety_score_is_null_unless_all_four_items_are_answered() -> None:
    answers = {"95618-5": "LA6482-9", "95617-7": "LA6482-9", "95616-9": "LA6482-9"}
    result = score_ahc_hrsn(answers)
    assert result.safety_score is None
    assert "safety" not in result.positive_domains


def test_domains_come_out_in_fixed_order() -> None:
    answers = {"96779-4": "LA33-6", "88122-7": "LA28397-0", "71802-3": "LA31995-6"}
    assert score_ahc_hrsn(answers).positive_domains == ("housing", "food", "utilities")


def test_unknown_answer_or_item_is_an_error_naming_it() -> None:
    with pytest.raises(ScreeningError, match="71802-3.*LA30190-5"):
        score_ahc_hrsn({"71802-3": "LA30190-5"})  # a PRAPARE answer, not an AHC one
    with pytest.raises(ScreeningError, match="93031-3"):
        score_ahc_hrsn({"93031-3": ["LA30125-1"]})
    with pytest.raises(ScreeningError, match="one answer"):
        score_ahc_hrsn({"93030-5": ["LA33-6", "LA32-8"]})


def test_hunger_vital_sign_positive_on_either_item() -> None:
    assert score_hunger_vital_sign(
        {"88122-7": "LA28398-8", "88123-5": "LA6729-3"}
    ).positive_domains == ("food",)
    assert (
        score_hunger_vital_sign({"88122-7": "LA28398-8", "88123-5": "LA28398-8"}).positive_domains
        == ()
    )


def test_prapare_food_housing_transportation() -> None:
    result = score_prapare(
        {
            "71802-3": "LA30189-7",  # has housing
            "93033-9": "LA33-6",  # but worried about losing it
            "93031-3": ["LA30126-9", "LA30125-1"],  # clothing and food
            "93030-5": "LA30134-3",
        }
    )
    assert result.positive_domains == ("housing", "food", "transportation")
    negative = score_prapare(
        {"71802-3": "LA30189-7", "93033-9": "LA32-8", "93031-3": ["LA30126-9"], "93030-5": "LA32-8"}
    )
    assert negative.positive_domains == ()


def test_prapare_codes_match_the_hl7_example_questionnaire() -> None:
    from carehub.core.screening import PRAPARE_SOCIAL_NEEDS

    fixture = Path(
        "/work/shared/fixtures/sdoh-clinicalcare/examples/Questionnaire-SDOHCC-QuestionnairePRAPARE.json"
    )
    if not fixture.exists():
        pytest.skip("standards fixtures not present")
    options: dict[str, set[str]] = {}

    def walk(items: list[dict]) -> None:  # type: ignore[type-arg]
        for it in items:
            for code in it.get("code", []):
                options[code["code"]] = {
                    a["valueCoding"]["code"] for a in it.get("answerOption", [])
                }
            walk(it.get("item", []))

    walk(json.loads(fixture.read_text())["item"])
    for item in PRAPARE_SOCIAL_NEEDS.items:
        assert {o.code for o in item.options} == options[item.loinc], item.loinc


def test_form_definition_has_ten_numbered_items_with_english_text() -> None:
    assert [i.number for i in AHC_HRSN.items] == list(range(1, 11))
    assert all(i.text_en and all(o.text_en for o in i.options) for i in AHC_HRSN.items)
    assert not AHC_HRSN.spanish_verified


def test_cli_prints_domains_and_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "answers.json"
    sheet.write_text(
        json.dumps({"71802-3": "LA31994-9", "96778-6": ["LA31996-4"], "93030-5": "LA32-8"})
    )
    assert screen.main(["--instrument", "ahc-hrsn", str(sheet)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "positive_domains": ["housing"],
        "safety_score": None,
        "complete": False,
        "unanswered_domains": ["food", "utilities", "safety"],
    }


def test_cli_bad_answer_exits_2_naming_file_and_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "answers.json"
    sheet.write_text(json.dumps({"96779-4": "LA9-3"}))
    assert screen.main(["--instrument", "ahc-hrsn", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert "answers.json" in err and "96779-4" in err
    assert screen.main(["--instrument", "nope", str(sheet)]) == 2


def test_an_unanswered_domain_is_unknown_not_negative() -> None:
    result = score_ahc_hrsn({"88122-7": "LA28398-8"})
    assert not result.complete and result.positive_domains == ()
    assert result.unanswered_domains == ("housing", "food", "transportation", "utilities",
                                         "safety")
    assert result.as_dict()["complete"] is False
    whole = {i.loinc: i.options[-1].code for i in AHC_HRSN.items}
    assert score_ahc_hrsn(whole).complete and score_ahc_hrsn(whole).unanswered_domains == ()

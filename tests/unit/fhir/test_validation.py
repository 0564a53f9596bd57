"""The FHIR validator against HL7's own material: every IG example passes, and resources
that break base R4 or an SDOHCC profile fail with the element's path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from carehub.fhir import validate_cli
from carehub.fhir.validation import errors, validate
from carehub.fhir.validation.profiles import PROFILE_DIR, SHIPPED

FIXTURES = Path("/work/shared/fixtures/sdoh-clinicalcare")
EXAMPLES = FIXTURES / "examples"
SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
needs_fixtures = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="IG fixtures not present")


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def paths(resource: dict) -> set[str]:
    return {p.path for p in errors(resource)}


TASK = "Task-SDOHCC-TaskReferralManagementOrderFulfillmentAcceptedExample.json"
CONSENT = "Consent-SDOHCC-ConsentInformationDisclosureExample.json"
CONDITION = "Condition-SDOHCC-ConditionFoodInsecurityExample.json"
HVS = "Observation-SDOHCC-ObservationResponseHungerVitalSignQuestion3Example.json"
SERVICE = "HealthcareService-SDOHCC-HealthcareServiceTelecomAppointmentExample.json"


def test_the_shipped_profiles_are_hl7s_published_ones():
    shipped = sorted(p.name for p in PROFILE_DIR.glob("StructureDefinition-*.json"))
    assert len(shipped) == 21
    assert len(SHIPPED) == 19  # the two extension definitions are not resource profiles
    if (FIXTURES / "profiles").is_dir():
        for name in shipped:
            assert (PROFILE_DIR / name).read_bytes() == (FIXTURES / "profiles" / name).read_bytes()


@needs_fixtures
def test_every_ig_example_is_valid():
    names = sorted(p.name for p in EXAMPLES.glob("*.json"))
    assert len(names) == 58
    failures = {name: [str(p) for p in errors(example(name))] for name in names}
    assert {k: v for k, v in failures.items() if v} == {}


@needs_fixtures
def test_the_igs_own_deviation_is_a_warning_not_silence():
    problems = validate(example(HVS))
    assert [(p.path, p.severity) for p in problems] == [
        ("Observation.category:SocialHistory", "warning")]


@needs_fixtures
def test_a_task_without_status_fails_with_its_path():
    task = example(TASK)
    del task["status"]
    assert "Task.status" in paths(task)


@needs_fixtures
def test_a_referral_task_must_be_an_order():
    task = example(TASK)
    task["intent"] = "plan"
    found = errors(task)
    assert any(p.path == "Task.intent" and "order" in p.message for p in found)


@needs_fixtures
def test_unknown_elements_and_wrong_types_fail():
    condition = example(CONDITION)
    condition["colour"] = "blue"
    condition["onsetPeriod"] = {"start": "yesterday"}
    found = paths(condition)
    assert "Condition.colour" in found
    assert any(p.startswith("Condition.onsetPeriod") for p in found)


@needs_fixtures
def test_a_condition_needs_a_code_and_a_subject():
    condition = example(CONDITION)
    del condition["code"], condition["subject"]
    assert {"Condition.code", "Condition.subject"} <= paths(condition)


@needs_fixtures
def test_a_consent_needs_its_information_disclosure_category_and_a_policy():
    consent = example(CONSENT)
    consent["category"] = [{"text": "something else"}]
    del consent["policyRule"]
    found = errors(consent)
    assert any(p.path == "Consent.category:IDSCL" for p in found)
    assert any("ppc-1" in p.message for p in found)  # base R4 invariant


@needs_fixtures
def test_a_screening_response_needs_the_survey_category():
    observation = example(HVS)
    observation["category"] = [c for c in observation["category"]
                               if c["coding"][0]["code"] != "survey"]
    assert "Observation.category:Survey" in paths(observation)


@needs_fixtures
def test_a_healthcare_service_needs_an_appointment_contact_and_to_be_active():
    service = example(SERVICE)
    service["active"] = False
    service["telecom"] = [t for t in service["telecom"] if "extension" not in t]
    found = errors(service)
    assert any(p.path == "HealthcareService.active" for p in found)
    assert any(p.path == "HealthcareService.telecom:AppointmentContact" for p in found)


def test_not_a_resource():
    assert [p.path for p in validate([])] == ["(root)"]
    assert [p.path for p in validate({"id": "x"})] == ["(root)"]
    assert [p.message for p in validate({"resourceType": "Spaceship"})] == [
        "'Spaceship' is not a FHIR R4 resource type"]


def test_a_profile_for_another_type_is_refused():
    patient = {"resourceType": "Patient", "meta": {"profile": [SDOHCC + "SDOHCC-Condition"]}}
    assert any("is for Condition" in p.message for p in errors(patient))


def test_a_profile_carehub_does_not_ship_is_checked_as_base_r4():
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female",
               "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]}}
    assert errors(patient) == []
    patient["gender"] = "sometimes"
    assert "Patient.gender" in paths(patient)


@needs_fixtures
def test_the_command_passes_the_examples_and_names_each_problem(tmp_path, capsys):
    assert validate_cli.main([str(EXAMPLES)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "58 resources, all valid (14 warnings)"
    task = example(TASK)
    del task["status"]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "task.json").write_text(json.dumps(task))
    lines = [json.dumps(example(CONDITION)), json.dumps({**copy.deepcopy(example(CONDITION)),
                                                        "code": None})]
    (bad / "more.ndjson").write_text("\n".join(lines) + "\n")
    (bad / "broken.json").write_text("{not json")
    assert validate_cli.main([str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{bad}/broken.json: not JSON: line 1 column 2: Expecting property name enclosed in double quotes" in out
    assert any(line.startswith(f"{bad}/task.json:Task/{task['id']}: Task.status: ") for line in out)
    assert any(line.startswith(f"{bad}/more.ndjson:2:Condition/") and "Condition.code" in line
               for line in out)
    assert not any(line.startswith(f"{bad}/more.ndjson:1:") for line in out)
    assert out[-1].startswith("3 resources, ")

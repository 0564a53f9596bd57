"""HSDS 3.0: every export validates against the spec's compiled schemas with additional
properties forbidden (the spec's own check), and the spec's examples import without loss."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from compiletojsonschema.compiletojsonschema import CompileToJsonSchema
from django.core.management import call_command
from django_scopes import scopes_disabled
from jsonschema import Draft202012Validator

from carehub.network import hsds
from carehub.network.export import export_directory
from carehub.network.hsds_import import HsdsImportError
from carehub.network.models import (
    Location,
    OrganisationProfile,
    Service,
    ServiceAtLocation,
    ServiceType,
)
from carehub.network.services import import_hsds
from carehub.tenancy.access import Acting

HSDS = Path("/work/shared/fixtures/hsds-3.0")
SCHEMAS = HSDS / "schema" / "compiled"
SYSTEM = Acting.system()
EXAMPLES = HSDS / "examples"


@cache
def strict_validator(name: str) -> Draft202012Validator:
    schema = CompileToJsonSchema(
        input_filename=str(SCHEMAS / f"{name}.json"),
        set_additional_properties_false_everywhere=True,
    ).get()
    return Draft202012Validator(schema)


def assert_valid(name: str, doc: Any) -> None:
    errors = sorted(strict_validator(name).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_the_check_rejects_an_unknown_property() -> None:
    doc = json.loads((EXAMPLES / "service_full.json").read_text())
    assert_valid("service", doc)
    doc["colour"] = "blue"
    with pytest.raises(AssertionError, match="colour"):
        assert_valid("service", doc)


def make_directory(tenant: Any) -> Service:
    with scopes_disabled():
        site = Location.objects.create(
            organisation=tenant.cbo, name="Grant Street Kitchen", address_1="412 Grant St",
            city="Buffalo", state_province="NY", postal_code="14213", county="Erie, NY",
            phone="716-555-0101", hours="Mon-Fri 9-5",
        )
        service = Service.objects.create(
            organisation=tenant.cbo, service_type=ServiceType.objects.get(slug="nutrition"),
            name="Home-delivered meals", description="Two meals a day after discharge.",
            languages=["English", "Spanish"], coverage_counties=["Erie, NY", "Niagara, NY"],
            coverage_zips=["14213", "14301"], eligibility_description="Plan members 65+",
            hours="Deliveries Mon-Sat", capacity_status="waitlist", waitlist_length=12,
        )
        ServiceAtLocation.objects.create(service=service, location=site)
    return service


@pytest.mark.django_db
def test_export_writes_every_form_and_each_validates(tenant: Any, tmp_path: Path) -> None:
    service = make_directory(tenant)
    counts = export_directory(tmp_path)
    assert counts == {"services": 1, "organizations": 1}
    service_doc = json.loads((tmp_path / "services" / f"{service.pk}.json").read_text())
    assert_valid("service", service_doc)
    assert service_doc["wait_time"] == "Waitlist: 12 waiting"
    assert [a["extent"] for a in service_doc["service_areas"]] == ["Erie, NY", "Niagara, NY",
                                                                   "14213 14301"]
    org_files = list((tmp_path / "organizations").glob("*.json"))
    assert len(org_files) == 1
    assert_valid("organization", json.loads(org_files[0].read_text()))
    with scopes_disabled():
        assert_valid("service_list", hsds.service_list_item(service))
        assert_valid("organization_list", hsds.organization_list_item(hsds.profile_for(tenant.cbo)))
        for sal in ServiceAtLocation.objects.all():
            assert_valid("service_at_location", hsds.service_at_location_document(sal))
            assert_valid("service_at_location_list",
                         hsds.service_at_location_document(sal, with_service=True))
    headers = (tmp_path / "csv" / "services.csv").read_text().splitlines()[0].split(",")
    assert headers[0] == "id" and "organization_id" in headers


@pytest.mark.django_db
def test_own_export_imports_back_to_the_same_columns(tenant: Any, tmp_path: Path) -> None:
    service = make_directory(tenant)
    export_directory(tmp_path)
    with scopes_disabled():
        before = json.loads((tmp_path / "services" / f"{service.pk}.json").read_text())
        Service.objects.filter(pk=service.pk).update(languages=[], capacity_status="closed")
    import_hsds(tmp_path, acting=SYSTEM)
    with scopes_disabled():
        again = Service.objects.get(pk=service.pk)
        assert again.languages == ["English", "Spanish"]
        assert (again.capacity_status, again.waitlist_length) == ("waitlist", 12)
        assert again.coverage_zips == ["14213", "14301"]
        after = hsds.service_document(again)
    before.pop("last_modified"), after.pop("last_modified")
    assert after == before


def _subset_report(original: Any, exported: Any, path: str = "") -> list[str]:
    """Where `exported` lacks or changes anything `original` said."""
    if isinstance(original, dict):
        if not isinstance(exported, dict):
            return [f"{path}: not an object"]
        problems = []
        for key, value in original.items():
            if key not in exported:
                problems.append(f"{path}.{key}: missing")
            else:
                problems.extend(_subset_report(value, exported[key], f"{path}.{key}"))
        return problems
    if isinstance(original, list):
        if not isinstance(exported, list) or len(exported) < len(original):
            return [f"{path}: list shortened"]
        return [p for i, item in enumerate(original)
                for p in _subset_report(item, exported[i], f"{path}[{i}]")]
    return [] if original == exported else [f"{path}: {original!r} became {exported!r}"]


@pytest.mark.django_db
@pytest.mark.parametrize("example", ["service_full.json", "organization_full.json"])
def test_spec_examples_import_without_loss(example: str, tmp_path: Path) -> None:
    original = json.loads((EXAMPLES / example).read_text())
    result = import_hsds(EXAMPLES / example, acting=SYSTEM)
    with scopes_disabled():
        if example.startswith("service"):
            exported = hsds.service_document(Service.objects.get(pk=original["id"]))
            schema = "service"
        else:
            profile = OrganisationProfile.objects.get(pk=original["id"])
            exported = hsds.organization_document(profile)
            schema = "organization"
    assert result.organisations
    assert _subset_report(original, exported) == []
    assert_valid(schema, exported)


@pytest.mark.django_db
def test_spec_csv_package_imports(tmp_path: Path) -> None:
    result = import_hsds(EXAMPLES / "csv", acting=SYSTEM)
    assert result.services and result.organisations and result.locations
    with scopes_disabled():
        service = Service.objects.get(pk="ac148810-d857-441c-9679-408f346de14b")
        assert service.name == "Community Counselling"
        assert service.languages == ["Urdu"]
        assert_valid("service", hsds.service_document(service))


@pytest.mark.django_db
def test_list_documents_import(tmp_path: Path) -> None:
    import_hsds(EXAMPLES / "service_list.json", acting=SYSTEM)
    with scopes_disabled():
        assert Service.objects.filter(pk="ac148810-d857-441c-9679-408f346de14b").exists()


@pytest.mark.django_db
def test_bad_document_names_the_path_and_saves_nothing(tmp_path: Path) -> None:
    doc = copy.deepcopy(json.loads((EXAMPLES / "service_full.json").read_text()))
    doc["service_at_locations"][0]["location"]["id"] = "not-a-uuid"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(HsdsImportError, match=r"service_at_locations\[0\]\.location\.id"):
        import_hsds(bad, acting=SYSTEM)
    with scopes_disabled():
        assert not Service.objects.exists()


@pytest.mark.django_db
def test_cli_export_and_import(tenant: Any, tmp_path: Path, capsys: Any) -> None:
    make_directory(tenant)
    call_command("hsds", "export", str(tmp_path / "out"))
    assert "wrote 1 services" in capsys.readouterr().out
    call_command("hsds", "import", str(tmp_path / "out"))
    assert "imported 1 organisations, 1 services, 1 locations" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        call_command("hsds", "import", str(tmp_path / "missing"))
    assert exit_info.value.code == 2


@pytest.mark.django_db
def test_own_csv_package_imports_back_to_the_same_documents(tenant: Any, tmp_path: Path) -> None:
    service = make_directory(tenant)
    export_directory(tmp_path / "first")
    with scopes_disabled():
        Service.objects.filter(pk=service.pk).update(languages=["Klingon"], hours="never")
    import_hsds(tmp_path / "first" / "csv", acting=SYSTEM)
    export_directory(tmp_path / "second")
    for folder in ("services", "organizations"):
        for first in (tmp_path / "first" / folder).glob("*.json"):
            before = json.loads(first.read_text())
            after = json.loads((tmp_path / "second" / folder / first.name).read_text())
            assert after == before, first.name

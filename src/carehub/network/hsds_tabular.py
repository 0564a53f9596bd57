"""The HSDS 3.0 tabular package: one CSV per table, rows linked by `<entity>_id` columns.

`flatten` turns compiled documents into tables; `read_package` turns a folder of CSV
files back into compiled service documents for the importer.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Nested list key -> (table file, entity name used for `<entity>_id` of its children).
TABLES: dict[str, tuple[str, str]] = {
    "services": ("services", "service"),
    "organization": ("organizations", "organization"),
    "locations": ("locations", "location"),
    "location": ("locations", "location"),
    "service_at_locations": ("service_at_location", "service_at_location"),
    "addresses": ("addresses", "address"),
    "phones": ("phones", "phone"),
    "languages": ("languages", "language"),
    "schedules": ("schedules", "schedule"),
    "service_areas": ("service_areas", "service_area"),
    "contacts": ("contacts", "contact"),
    "funding": ("funding", "funding"),
    "cost_options": ("cost_options", "cost_option"),
    "required_documents": ("required_documents", "required_document"),
    "accessibility": ("accessibility", "accessibility"),
    "programs": ("programs", "program"),
    "program": ("programs", "program"),
    "organization_identifiers": ("organization_identifiers", "organization_identifier"),
    "attributes": ("attributes", "attribute"),
    "metadata": ("metadata", "metadata"),
    "taxonomy_term": ("taxonomy_terms", "taxonomy_term"),
    "taxonomy_detail": ("taxonomies", "taxonomy"),
}
# Children linked by a generic column rather than `<entity>_id`.
GENERIC_LINK = {"attributes": "link_id", "metadata": "resource_id"}
# Single nested objects: the parent holds `<key>_id` pointing at the row.
SINGLE = {"organization", "location", "program", "taxonomy_term", "taxonomy_detail"}
# Which single nested objects each entity carries (organization and location are added
# where the compiled form wants them, in `read_package`).
SINGLE_FOR = {"service": ("program",), "attribute": ("taxonomy_term",),
              "taxonomy_term": ("taxonomy_detail",)}
SINGLE_ID_COLUMN = {"taxonomy_detail": "taxonomy_id"}
INTEGER_FIELDS = {"year_incorporated", "minimum_age", "maximum_age", "extension", "timezone",
                  "count", "interval"}
NUMBER_FIELDS = {"latitude", "longitude", "amount"}


def flatten(docs: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Tables from documents; `docs` is (entity, document) with entity service|organization."""
    tables: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def walk(entity_key: str, doc: dict[str, Any], links: dict[str, str]) -> None:
        table, entity = TABLES[entity_key]
        row: dict[str, Any] = dict(links)
        for key, value in doc.items():
            if isinstance(value, list) and key in TABLES:
                child_link = GENERIC_LINK.get(key, f"{entity}_id")
                for item in value:
                    if isinstance(item, dict):
                        walk(key, item, {child_link: doc["id"]})
            elif isinstance(value, dict) and key in TABLES:
                walk(key, value, {})
                row[SINGLE_ID_COLUMN.get(key, f"{key}_id")] = value.get("id")
            elif not isinstance(value, list | dict):
                row[key] = value
        existing = tables[table].get(str(doc.get("id")))
        tables[table][str(doc.get("id"))] = {**(existing or {}), **row}

    for entity, doc in docs:
        walk("services" if entity == "service" else "organization", doc, {})
    return {name: list(rows.values()) for name, rows in tables.items()}


def write_package(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """One CSV per table, each written to a temporary file and renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in sorted(tables.items()):
        columns: list[str] = ["id"]
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        target = folder / f"{name}.csv"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        os.replace(tmp, target)
        written.append(target)
    return written


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(key: str, text: str) -> Any:
    if key in INTEGER_FIELDS:
        try:
            return int(text)
        except ValueError:
            return text
    if key in NUMBER_FIELDS:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text


def _read_tables(folder: Path) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    from carehub.network.hsds_import import HsdsImportError

    for path in sorted(folder.glob("*.csv")):
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                tables[path.stem] = [
                    {k: _typed(k, v) for k, v in row.items() if k and v not in ("", None)}
                    for row in csv.DictReader(handle)
                ]
        except OSError as exc:
            raise HsdsImportError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise HsdsImportError(f"{path}: not UTF-8 text (byte {exc.start + 1} cannot be "
                                  "decoded)") from None
        except csv.Error as exc:
            raise HsdsImportError(f"{path}: unreadable CSV: {exc}") from None
    return tables


def read_package(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Compiled service documents (with organization and locations) from a CSV package."""
    tables = _read_tables(folder)
    by_id = {name: {str(r.get("id")): r for r in rows} for name, rows in tables.items()}

    def children(table: str, column: str, parent_id: str) -> list[dict[str, Any]]:
        return [r for r in tables.get(table, []) if str(r.get(column)) == parent_id]

    def build(entity_key: str, row: dict[str, Any], depth: int = 0,
              drop: tuple[str, ...] = ()) -> dict[str, Any]:
        _, entity = TABLES[entity_key]
        # The column that links a row to the parent it is nested in says nothing the
        # nesting does not; other link columns are HSDS properties too, so they stay.
        doc = {k: v for k, v in row.items() if k not in drop}
        if depth > 4:
            return doc
        for key, (table, _child_entity) in TABLES.items():
            if key in SINGLE or key in ("services", "service_at_locations", "locations"):
                continue
            if key in ("languages",) and entity not in ("service", "location", "phone"):
                continue
            link = GENERIC_LINK.get(key, f"{entity}_id")
            found = [build(key, r, depth + 1, (link,))
                     for r in children(table, link, str(row.get("id")))]
            if found:
                doc[key] = found
        for key in SINGLE_FOR.get(entity, ()):
            column = SINGLE_ID_COLUMN.get(key, f"{key}_id")
            target = by_id.get(TABLES[key][0], {}).get(str(row.get(column)))
            if target:
                doc[key] = build(key, target, depth + 1)
        return doc

    for i, row in enumerate(tables.get("services", [])):
        doc = build("services", row)
        org = by_id.get("organizations", {}).get(str(row.get("organization_id")))
        if org:
            org_doc = build("organization", org)
            locations = children("locations", "organization_id", str(org.get("id")))
            if locations:
                org_doc["locations"] = [build("locations", r, 0, ("organization_id",))
                                        for r in locations]
            doc["organization"] = org_doc
        sals = []
        for sal in children("service_at_location", "service_id", str(row.get("id"))):
            sal_doc = build("service_at_locations", sal, 0, ("service_id", "location_id"))
            location = by_id.get("locations", {}).get(str(sal.get("location_id")))
            if location:
                sal_doc["location"] = build("locations", location, 0, ("organization_id",))
            sals.append(sal_doc)
        if sals:
            doc["service_at_locations"] = sals
        yield f"services.csv row {i + 2}", doc


"""The bundle's README.md and docs/export.md's data dictionary, both made here from the
table and FHIR definitions (so the documentation and the files never disagree)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from carehub.exchange.export_bundle.fhir import FHIR_FILES, FhirFile
from carehub.exchange.export_bundle.tables import TABLES, Table

if TYPE_CHECKING:
    from carehub.exchange.export_bundle.writer import Manifest

TYPES = (
    ("string", "text, short"),
    ("text", "free text, possibly long; may be withheld (empty) under the sharing rule"),
    ("integer", "whole number"),
    ("boolean", "CSV `true` / `false`; Parquet boolean"),
    ("date", "CSV `YYYY-MM-DD`; Parquet date32"),
    ("timestamp", "CSV ISO 8601 in UTC (`2026-01-31T14:05:00+00:00`); Parquet timestamp(us, UTC)"),
    ("decimal(P,S)", "exact decimal, P digits of which S after the point; CSV as written "
                     "(`1234.50`, never rounded); Parquet decimal128(P,S)"),
    ("json", "JSON text (lists, objects)"),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def data_dictionary(tables: Iterable[Table] = TABLES,
                    fhir: Iterable[FhirFile] = FHIR_FILES) -> str:
    """Markdown: every table with its columns (name, type, meaning), the column types,
    and the FHIR files. An empty cell in CSV (a null in Parquet) means no value."""
    out = ["### Column types", "", "| type | in the files |", "|---|---|"]
    out += [f"| {t} | {_cell(m)} |" for t, m in TYPES]
    out.append("")
    for table in tables:
        out += [f"### {table.name}", "", _cell(table.meaning), "",
                "| column | type | meaning |", "|---|---|---|"]
        out += [f"| {c.name} | {c.type} | {_cell(c.meaning)} |" for c in table.columns]
        out.append("")
    out += ["### FHIR NDJSON", "",
            "One file per resource type under `fhir/`, one FHIR R4 resource (JSON) a line, "
            "as the FHIR Bulk Data specification writes them.", "",
            "| file | resources | profile |", "|---|---|---|"]
    out += [f"| fhir/{f.file_name} | {_cell(f.meaning)} | {f.profile or 'base R4'} |"
            for f in fhir]
    if not tuple(fhir):
        out.append("| (none) | | |")
    out.append("")
    return "\n".join(out)


def readme(manifest: Manifest, tables: Iterable[Table] = TABLES,
           fhir: Iterable[FhirFile] = FHIR_FILES) -> str:
    org = manifest.organisation
    lines = [
        f"# carehub export of {org['name']}", "",
        f"Made {manifest.created} for {org['name']} (`{org['slug']}`, {org['kind']}), "
        f"tables as {manifest.format.upper()}.", "",
        "Everything the organisation holds in carehub on its own account: the members it may "
        "see, the referrals it is party to and their events, services delivered, consents, "
        "issued statements, its audit trail, its directory entries and its contracts. "
        "What other organisations recorded about a member is included only while the "
        "member's data-sharing consent is active.", "",
        "`manifest.json` lists every file with its number of rows (resources for NDJSON) "
        "and its SHA-256; check a file with `sha256sum FILE`.", "",
        "## Files", "", "| file | rows |", "|---|---|",
    ]
    lines += [f"| {f.path} | {f.rows} |" for f in manifest.files if f.kind != "readme"]
    lines += ["", "## Reading the files", "",
              "CSV: UTF-8, comma-separated, a header row, RFC 4180 quoting. A text cell "
              "that a spreadsheet would run as a formula (starting with `=`, `+`, `-` or "
              "`@`) is written with a leading apostrophe `'`; drop it when reading by "
              "program. Parquet: one file per table, the column types below, each field's "
              "meaning in its metadata. Ids join the tables: `member` is `members.id`, "
              "`referral` is `referrals.id`, `statement` is `statements.id`; "
              "organisations are named by their slug.", "",
              "## Data dictionary", "", data_dictionary(tables, fhir)]
    return "\n".join(lines)

"""The bundle's FHIR NDJSON files (Bulk Data style: one file per resource type, one
resource a line), defined once like the tables: which rows, and the mapping function
that turns a row into an R4 resource (carehub.fhir.mapping)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from carehub.exchange.export_bundle.rows import Context


@dataclass(frozen=True)
class FhirFile:
    resource_type: str
    meaning: str
    query: Callable[[Context], QuerySet[Any]]
    # One row to its resources (a screening gives a QuestionnaireResponse's Observations).
    resources: Callable[[Any, Context], Iterator[dict[str, Any]]]
    profile: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.resource_type}.ndjson"


FHIR_FILES: tuple[FhirFile, ...] = ()

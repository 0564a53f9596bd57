"""Builders for small terms and activities, so each test shows only what it is about."""

from __future__ import annotations

from typing import Any

import pytest

from carehub.core.activity import load_activity
from carehub.core.settlement import Statement, settle
from carehub.core.terms import load_terms

SERVICES = [
    {"code": "HDM", "name": "Home-delivered meal", "unit": "meal", "rate": "7.50"},
    {"code": "RIDE", "name": "Ride", "unit": "ride", "rate": "20.00"},
    {"code": "CM", "name": "Case management", "unit": "episode", "rate": "450.00"},
]


def terms_data(*components: dict[str, Any], effective: str = "2026-01-01",
               ends: str = "2026-12-31") -> dict[str, Any]:
    return {"contract": "TEST-1", "payer": "plan", "provider": "hub", "effective": effective,
            "ends": ends, "services": SERVICES, "components": list(components)}


def activity_data(start: str, end: str, **parts: Any) -> dict[str, Any]:
    return {"period": {"start": start, "end": end}, **parts}


def run(components: list[dict[str, Any]], activity: dict[str, Any], **term_fields: Any
        ) -> Statement:
    return settle(load_terms(terms_data(*components, **term_fields)), load_activity(activity))


def amounts(statement: Statement) -> dict[str, str]:
    """label -> amount, for asserting exact money strings."""
    return {line["label"]: line["amount"] for line in statement.to_json_dict()["lines"]}



class Builders:
    """The helpers above, handed to tests as the `b` fixture."""

    terms_data = staticmethod(terms_data)
    activity_data = staticmethod(activity_data)
    run = staticmethod(run)
    amounts = staticmethod(amounts)


@pytest.fixture
def b() -> type[Builders]:
    return Builders

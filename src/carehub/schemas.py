"""Response shapes of the API's own operations (the apps' shapes are in their `schemas.py`)."""

from __future__ import annotations

from ninja import Schema


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str


class MeOut(Schema):
    """Who is signed in, and as which organisation and role."""

    username: str
    organisation: OrganisationOut
    role: str

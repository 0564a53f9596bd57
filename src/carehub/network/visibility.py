"""Who may read which directory entries: one rule, used by django-scopes and by SQL.

An organisation sees its own entries; a hub sees those of the CBOs in its network; a CBO
sees those of the hubs whose network it belongs to. The same condition is written once
for the ORM (the `directory_visible_to` lookup, so the scoped managers can filter on it)
and once for PostgreSQL row-level security.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Lookup

from carehub.tenancy.rls import CURRENT_ORG_SQL

# `{org}` is the row's organisation column, `{viewer}` the acting organisation.
_RULE = (
    "({org} = {viewer} OR EXISTS (SELECT 1 FROM tenancy_network dn "
    "JOIN tenancy_networkmember dm ON dm.network_id = dn.id "
    'WHERE dm."left" IS NULL AND ((dn.hub_id = {viewer} AND dm.cbo_id = {org}) '
    "OR (dm.cbo_id = {viewer} AND dn.hub_id = {org}))))"
)


def visibility_sql(org_column: str) -> str:
    """The row-level security condition for a table whose organisation is `org_column`."""
    return _RULE.format(org=org_column, viewer=CURRENT_ORG_SQL)


class DirectoryVisibleTo(Lookup):
    """`organisation__directory_visible_to=<organisation id>` on a directory FK."""

    lookup_name = "directory_visible_to"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        # Accept an Organisation as well as its id.
        return getattr(self.rhs, "pk", self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        sql = _RULE.format(org=lhs, viewer=rhs)
        # The viewer placeholder appears three times, the row column three times.
        params: list[Any] = []
        for piece in ("org", "viewer", "viewer", "org", "viewer", "org"):
            params.extend(lhs_params if piece == "org" else rhs_params)
        return sql, params


if TYPE_CHECKING:
    from carehub.tenancy.models import Organisation

    _OrganisationKey = models.ForeignKey[Organisation, Organisation]
else:
    _OrganisationKey = models.ForeignKey


class DirectoryOrganisationField(_OrganisationKey):
    """The organisation that owns a directory entry; supports `directory_visible_to`."""


DirectoryOrganisationField.register_lookup(DirectoryVisibleTo)

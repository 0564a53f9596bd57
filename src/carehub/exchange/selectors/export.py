"""Reading an organisation's exports: only its administrators, only its own."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from carehub.exchange.models import Export
from carehub.tenancy.access import Acting
from carehub.tenancy.roles import ORGANISATION_ADMINS

READERS = ORGANISATION_ADMINS


def export_dir(organisation_id: int) -> Path:
    return Path(settings.VAR_DIR) / "exports" / str(int(organisation_id))


def export_path(export: Export) -> Path:
    return export_dir(export.organisation_id) / f"{export.pk}.zip"


def exports_for(acting: Acting) -> QuerySet[Export]:
    if not acting.has_role(*READERS):
        return Export.objects.none()
    return (Export.objects.filter(organisation=acting.organisation)
            .select_related("job", "requested_by").order_by("-created_at"))


def get_export(acting: Acting, pk: UUID | str) -> Export:
    export = exports_for(acting).filter(pk=pk).first()
    if export is None:
        raise Http404("Not found")
    return export

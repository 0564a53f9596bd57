"""An organisation export of one set: the hub's, finished, with its file on disk (so the
download door would serve it to anyone it let through)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_scopes import scopes_disabled


def export(w: Any) -> dict[str, Any]:
    from carehub.exchange.models import Export
    from carehub.exchange.selectors.export import export_path

    t = w.tenant
    with scopes_disabled():
        made = Export.objects.create(organisation=t.hub, requested_by=t.users["hub_admin"],
                                     format="csv", finished_at=timezone.now(), rows=1, size=4,
                                     members=1, sha256="0" * 64)
        path = export_path(made)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
        made.file_name = path.name
        made.save(update_fields=["file_name"])
    return {"export": made}

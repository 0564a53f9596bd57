"""/exchange/export/: an organisation's administrators export all its own records (a
job), see earlier exports, download (audited: a read of member data) and delete them.
Anyone else, another organisation's users included, gets 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from carehub.audit import services as audit
from carehub.exchange.forms.export import ExportForm
from carehub.exchange.selectors import export as selectors
from carehub.exchange.services import export as services
from carehub.jobs.views import redirect_to_job
from carehub.tenancy.access import Acting, require_acting


@require_safe
@require_acting(*selectors.READERS)
def export_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    return _page(request, acting, ExportForm())


def _page(request: HttpRequest, acting: Acting, form: ExportForm,
          status: int = 200) -> HttpResponse:
    return render(request, "exchange/export_list.html",
                  {"form": form, "exports": list(selectors.exports_for(acting)[:50])},
                  status=status)


@require_POST
@require_acting(*selectors.READERS)
def export_start(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, acting, form, status=400)
    export = services.start_export(fmt=form.cleaned_data["format"], acting=acting)
    assert export.job is not None  # set by start_export
    return redirect_to_job(request, export.job)


@require_safe
@require_acting(*selectors.READERS)
def export_download(request: HttpRequest, acting: Acting, pk: UUID) -> FileResponse:
    export = selectors.get_export(acting, pk)
    path = selectors.export_path(export)
    if not export.ready or not path.exists():
        raise Http404("This export has no file: it is not finished, or it failed.")
    audit.record("export", acting=acting, object_type="organisation_export_download",
                 object_id=str(export.pk),
                 detail={"members": export.members, "rows": export.rows,
                         "sha256": export.sha256})
    made = export.created_at.strftime("%Y%m%d-%H%M")
    return FileResponse(path.open("rb"), as_attachment=True, content_type="application/zip",
                        filename=f"carehub-export-{acting.organisation.slug}-{made}.zip")


@require_POST
@require_acting(*selectors.READERS)
def export_delete(request: HttpRequest, acting: Acting, pk: UUID) -> HttpResponse:
    export = selectors.get_export(acting, pk)
    try:
        services.delete_export(export, acting=acting)
    except services.ExportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The export and its file are deleted.")
    return redirect("exchange:export")

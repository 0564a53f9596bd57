"""The resource library: the hub's own documents (written or uploaded) and the shipped
templates and example models. A hub's users read and add; CBO users of the hub's network
(accepted, not left) read what is shared; anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_scopes import scopes_disabled

from carehub.reporting.exports import FORMATS, table_download
from carehub.reporting.forms.readiness import DocumentForm
from carehub.reporting.library_readiness import get_shipped, shipped
from carehub.reporting.models.readiness import ResourceDocument
from carehub.reporting.selectors import readiness as reads
from carehub.reporting.services import readiness as service
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import OrganisationKind, Role

LIBRARY_READERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.CBO_SUPERVISOR,
                   Role.CBO_WORKER)


def _reader(acting: Acting) -> None:
    """Shipped items are for hubs and the CBOs of a hub's network, like the rest."""
    org = acting.organisation
    if org.kind == OrganisationKind.CBO:
        from carehub.tenancy.access import hubs_of_cbo

        if not hubs_of_cbo(org).exists():
            raise Http404("Not found")


def _page(request: HttpRequest, acting: Acting, form: DocumentForm, status: int = 200,
          error: str = "") -> HttpResponse:
    with scopes_disabled():
        documents = list(reads.documents(acting).select_related("hub"))
    return render(request, "reporting/readiness/library.html", {
        "documents": documents, "shipped": shipped(), "form": form, "error": error,
        "may_add": acting.has_role(*reads.HUB)}, status=status)


@require_safe
@require_acting(*LIBRARY_READERS)
def library(request: HttpRequest, acting: Acting) -> HttpResponse:
    _reader(acting)
    return _page(request, acting, DocumentForm())


@require_safe
@require_acting(*LIBRARY_READERS)
def library_download(request: HttpRequest, acting: Acting, fmt_name: str) -> HttpResponse:
    _reader(acting)
    if fmt_name not in FORMATS:
        raise Http404("Not found")
    with scopes_disabled():
        own = [[d.title, d.get_kind_display(), d.hub.name, d.filename or "written here",
                d.created_at.date().isoformat()]
               for d in reads.documents(acting).select_related("hub")]
    rows = own + [[s.title, s.kind, "carehub", s.filename, ""] for s in shipped()]
    return table_download("resource-library", fmt_name,
                          ["Title", "Kind", "From", "File", "Added"], rows)


@require_POST
@require_acting(*reads.HUB)
def library_add(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with scopes_disabled():
                document = service.save_document(
                    data["title"], data["kind"], description=data["description"],
                    text=data["text"], upload=data["file"], shared=data["shared"],
                    acting=acting)
        except service.ReadinessError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Added {document.title} to the library.")
            return redirect("reporting:resource", pk=document.pk)
    return _page(request, acting, form, status=400)


@require_safe
@require_acting(*LIBRARY_READERS)
def document_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        document = reads.get_document(acting, pk)
    return render(request, "reporting/readiness/document.html", {"document": document})


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@require_acting(*LIBRARY_READERS)
def document_download(request: HttpRequest, acting: Acting, pk: int) -> HttpResponseBase:
    with scopes_disabled():
        document: ResourceDocument = reads.get_document(acting, pk)
    if not document.stored_name:
        return _attachment(document.text.encode("utf-8"), document.content_type,
                           f"{document.title}.md")
    path = service.library_dir() / document.stored_name
    if not path.is_file():
        raise Http404("Not found")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=document.filename,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@require_acting(*LIBRARY_READERS)
def shipped_detail(request: HttpRequest, acting: Acting, key: str) -> HttpResponse:
    _reader(acting)
    with scopes_disabled():
        item = get_shipped(key)
    if item is None:
        raise Http404("Not found")
    return render(request, "reporting/readiness/shipped.html", {"item": item})


@require_safe
@require_acting(*LIBRARY_READERS)
def shipped_download(request: HttpRequest, acting: Acting, key: str) -> HttpResponse:
    _reader(acting)
    with scopes_disabled():
        item = get_shipped(key)
    if item is None:
        raise Http404("Not found")
    kind = "text/markdown" if item.filename.endswith(".md") else "application/yaml"
    return _attachment(item.text.encode("utf-8"), f"{kind}; charset=utf-8", item.filename)

"""835 pages: the hub posts a payer's 835 and sees what matched; the plan downloads an
835 paying its approved bills."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from carehub.billing.forms.review import RemittanceUploadForm
from carehub.billing.models import Remittance
from carehub.billing.services import remittance as services
from carehub.core.validation import InputError
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

MAX_BYTES = 20 * 1024 * 1024


@require_acting(*roles.HUB)
def remittances(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = RemittanceUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not acting.has_role(Role.HUB_ADMIN):
            raise Http404("Not found")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = upload.name or "835.txt"
            try:
                if upload.size > MAX_BYTES:
                    raise InputError([("", f"{name} is larger than 20 MB")])
                try:
                    text = upload.read().decode("utf-8")
                except UnicodeDecodeError as error:
                    raise InputError([("", f"{name} is not text (byte {error.start})")]) from None
                result = services.post_835(text, name, acting=acting)
            except services.AlreadyPosted as error:
                messages.info(request, str(error))
                return redirect("billing:remittance_detail", pk=error.remittance.pk)
            except InputError as error:
                problems = [f"{name}: {where}: {message}" if where else f"{name}: {message}"
                            for where, message in error.errors]
                status = 400
            else:
                messages.success(request, f"Posted {name}: {result.matched} matched, "
                                          f"{result.partial} partly paid, {result.reversed} "
                                          f"reversed, {len(result.unmatched)} unmatched.")
                return redirect("billing:remittance_detail", pk=result.remittance.pk)
        else:
            status = 400
    rows = list(Remittance.objects.filter(hub=acting.organisation).order_by("-posted_at")[:100])
    return render(request, "billing/remittance/list.html",
                  {"form": form, "problems": problems, "rows": rows,
                   "may_post": acting.has_role(Role.HUB_ADMIN)}, status=status)


@require_acting(*roles.HUB)
def remittance(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    found = Remittance.objects.filter(hub=acting.organisation, pk=pk).first()
    if found is None:
        raise Http404("Not found")
    items = list(found.items.select_related("bill").order_by("pk"))
    return render(request, "billing/remittance/detail.html", {"remittance": found, "items": items})


@require_acting(*roles.PLAN)
def export(request: HttpRequest, acting: Acting) -> HttpResponse:
    """GET without a hub: the hubs with approved bills; with ?hub=ID: the 835 file."""
    hubs = services.approved_hubs(acting)
    hub = request.GET.get("hub")
    if hub is None:
        return render(request, "billing/remittance/export.html", {"hubs": hubs})
    if not hub.isdigit() or int(hub) not in {h["hub_id"] for h in hubs}:
        raise Http404("Not found")
    try:
        filename, text = services.export_835(acting, int(hub))
    except InputError as error:
        return render(request, "billing/remittance/export.html",
                      {"hubs": hubs, "problems": [f"{w}: {m}" if w else m for w, m in error.errors]},
                      status=400)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""The notification centre: the list (unread first), marking read, and the preferences.

Every page is the signed-in person's own: a notification of someone else, in this
organisation or another, is answered 404 like any object one may not see.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from carehub.notifications import selectors, services
from carehub.notifications.forms import PreferencesForm
from carehub.notifications.kinds import Channel
from carehub.tenancy.access import Acting, require_acting

PER_PAGE = 50


@require_acting()
def notification_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    page = Paginator(selectors.inbox(acting.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


def _bell(request: HttpRequest, acting: Acting) -> str:
    from django.template.loader import render_to_string

    return render_to_string("notifications/_bell.html", {
        "unread_notifications": selectors.unread_count(acting.user), "oob": True}, request)


@require_acting()
def bell(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The bell alone: the header polls it every minute, so the count stays current on a
    page left open."""
    return render(request, "notifications/_bell.html",
                  {"unread_notifications": selectors.unread_count(acting.user)})


@require_acting()
def read(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """Mark one read; with `open`, then go to its page."""
    if request.method != "POST":
        raise Http404("Not found")
    row = services.mark_read(selectors.get_notification(acting.user, pk), acting=acting)
    if request.POST.get("open") and row.link and url_has_allowed_host_and_scheme(
            row.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        if request.htmx:  # type: ignore[attr-defined]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = row.link
            return response
        return redirect(row.link)
    if request.htmx:  # type: ignore[attr-defined]
        item = render(request, "notifications/_item.html", {"n": row})
        return HttpResponse(item.content.decode() + _bell(request, acting))
    return redirect("notifications:list")


@require_acting()
def read_all(request: HttpRequest, acting: Acting) -> HttpResponse:
    if request.method != "POST":
        raise Http404("Not found")
    marked = services.mark_all_read(acting.user, acting=acting)
    messages.success(request, f"Marked {marked:,} notification{'s' if marked != 1 else ''} "
                              "read.")
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = request.path.rsplit("read-all/", 1)[0]
        return response
    return redirect("notifications:list")


@require_acting()
def preferences(request: HttpRequest, acting: Acting) -> HttpResponse:
    rows = selectors.preferences(acting.user)
    form = PreferencesForm(request.POST or None,
                           initial_channels={r["kind"]: r["channel"] for r in rows})
    if request.method == "POST" and form.is_valid():
        changed = services.set_preferences(acting.user, form.cleaned_data, acting=acting)
        messages.success(request, f"Saved: {len(changed)} choice{'s' if len(changed) != 1 else ''}"
                                  " changed." if changed else "Saved: nothing changed.")
        return redirect("notifications:settings")
    if form.is_bound:
        for row in rows:  # show what was posted, not what is stored
            row["channel"] = form.data.get(row["kind"], row["channel"])
    return render(request, "notifications/settings.html", {
        "form": form, "rows": rows, "channels": Channel.choices}, status=400 if form.is_bound else 200)

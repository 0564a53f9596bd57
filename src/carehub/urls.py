from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from carehub.api import api
from carehub.audit.admin_site import site as admin_site
from carehub.jobs import views as jobs_views
from carehub.portal import views as portal_views


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the static file
    (base.html links it too), which WhiteNoise serves in production under its hashed name.
    Not a permanent redirect: the hashed name changes when the icon does."""
    response = HttpResponseRedirect(static("carehub/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


urlpatterns = [
    path("", portal_views.root, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("carehub.accounts.urls")),
    path("organisations/", include("carehub.portal.urls")),
    path("audit/", include("carehub.audit.urls")),
    path("members/", include("carehub.members.urls")),
    path("network/", include("carehub.network.urls")),
    path("contracts/", include("carehub.contracts.urls")),
    path("referrals/", include("carehub.referrals.urls")),
    path("billing/", include("carehub.billing.urls")),
    path("jobs/", include("carehub.jobs.urls")),
    path("healthz", jobs_views.healthz, name="healthz"),
    path("notifications/", include("carehub.notifications.urls")),
    path("eligibility/", include("carehub.population.urls")),
    path("reporting/", include("carehub.reporting.urls")),
    path("fhir/", include("carehub.fhir.urls")),
    path("exchange/", include("carehub.exchange.urls")),
    path("api/", api.urls),
    # carehub's own admin site: its sign-in, a verified second factor, audited.
    path("admin/", admin_site.urls),
]

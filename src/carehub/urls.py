from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from carehub.accounts.admin_site import site as admin_site
from carehub.api import api
from carehub.tenancy import views as tenancy_views


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the static file
    (base.html links it too), which WhiteNoise serves in production under its hashed name.
    Not a permanent redirect: the hashed name changes when the icon does."""
    response = HttpResponseRedirect(static("carehub/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


urlpatterns = [
    path("", tenancy_views.root, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("carehub.accounts.urls")),
    path("organisations/", include("carehub.tenancy.urls")),
    path("audit/", include("carehub.audit.urls")),
    path("members/", include("carehub.members.urls")),
    path("api/", api.urls),
    # carehub's own admin site: its sign-in, a verified second factor, audited.
    path("admin/", admin_site.urls),
]

# Apps added by later parts of the product mount themselves when installed.
for _app in ("network", "contracts", "referrals", "billing", "reporting", "fhir", "exchange"):
    if f"carehub.{_app}" in settings.INSTALLED_APPS:
        urlpatterns.append(path(f"{_app}/", include(f"carehub.{_app}.urls")))

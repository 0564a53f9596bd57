from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from carehub.accounts.admin_site import site as admin_site
from carehub.api import api
from carehub.tenancy import views as tenancy_views

urlpatterns = [
    path("", tenancy_views.root, name="home"),
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

from __future__ import annotations

from django.urls import include, path

from carehub.api import api
from carehub.audit.admin_site import site as admin_site
from carehub.portal import views as portal_views

urlpatterns = [
    path("", portal_views.root, name="home"),
    path("accounts/", include("carehub.accounts.urls")),
    path("organisations/", include("carehub.portal.urls")),
    path("audit/", include("carehub.audit.urls")),
    path("members/", include("carehub.members.urls")),
    path("network/", include("carehub.network.urls")),
    path("contracts/", include("carehub.contracts.urls")),
    path("referrals/", include("carehub.referrals.urls")),
    path("api/", api.urls),
    # carehub's own admin site: its sign-in, a verified second factor, audited.
    path("admin/", admin_site.urls),
]

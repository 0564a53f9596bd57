"""FHIR URLs: auth (the OAuth2 token endpoint, SMART discovery, and the hub
administrator's partner-system pages under /fhir/partners/)."""

from django.urls import URLPattern, path

from carehub.fhir.views import auth, clients

urlpatterns: list[URLPattern] = [
    path("auth/token", auth.TokenView.as_view(), name="token"),
    path(".well-known/smart-configuration", auth.smart_configuration, name="smart-configuration"),
    path("partners/", clients.partner_list, name="partners"),
    path("partners/new/", clients.partner_new, name="partner_new"),
    path("partners/<int:pk>/", clients.partner_detail, name="partner"),
    path("partners/<int:pk>/keys/", clients.partner_keys, name="partner_keys"),
    path("partners/<int:pk>/revoke/", clients.partner_revoke, name="partner_revoke"),
]

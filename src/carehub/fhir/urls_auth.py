"""FHIR URLs: auth (the OAuth2 token endpoint and SMART discovery)."""

from django.urls import URLPattern, path

from carehub.fhir.views import auth

urlpatterns: list[URLPattern] = [
    path("auth/token", auth.TokenView.as_view(), name="token"),
    path(".well-known/smart-configuration", auth.smart_configuration, name="smart-configuration"),
]

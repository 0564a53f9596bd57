"""FHIR URLs: resources."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

"""FHIR URLs: the CapabilityStatement, and read/search/create of every type except Task,
ServiceRequest and Procedure (those are in urls_tasks, which come first)."""

from django.urls import URLPattern, path

from carehub.fhir.views import metadata, resources

urlpatterns: list[URLPattern] = [
    path("metadata", metadata.metadata, name="metadata"),
    *resources.urlpatterns(),
]

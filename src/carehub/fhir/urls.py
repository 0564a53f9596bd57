"""FHIR URLs under /fhir/: each area keeps its own list. Tasks and their ServiceRequests
and Procedures come first, then the other resource types, then the OAuth2 endpoints."""

from carehub.fhir import urls_auth, urls_resources, urls_tasks

app_name = "fhir"
urlpatterns = [*urls_tasks.urlpatterns, *urls_resources.urlpatterns, *urls_auth.urlpatterns]

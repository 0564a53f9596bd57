from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "carehub.fhir"
    label = "fhir"
    verbose_name = "FHIR API"

from django.apps import AppConfig


class PopulationConfig(AppConfig):
    name = "carehub.population"
    label = "population"
    verbose_name = "Population eligibility"

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "carehub.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

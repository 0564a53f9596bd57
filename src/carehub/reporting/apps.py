from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "carehub.reporting"
    label = "reporting"
    verbose_name = "Reporting and governance"

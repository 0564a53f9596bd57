from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "carehub.tenancy"
    label = "tenancy"

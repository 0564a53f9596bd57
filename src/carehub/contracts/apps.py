from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "carehub.contracts"
    label = "contracts"
    verbose_name = "Contracts"

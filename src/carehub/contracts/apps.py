from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "carehub.contracts"
    label = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        from carehub.contracts import signals  # noqa: F401  (connects the party sync)

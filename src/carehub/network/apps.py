from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "carehub.network"
    label = "network"
    verbose_name = "Network directory"

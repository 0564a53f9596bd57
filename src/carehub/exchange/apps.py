from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "carehub.exchange"
    label = "exchange"
    verbose_name = "File exchange"

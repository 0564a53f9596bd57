from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "carehub.billing"
    label = "billing"
    verbose_name = "Billing"

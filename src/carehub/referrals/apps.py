from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "carehub.referrals"
    label = "referrals"
    verbose_name = "Referrals and service delivery"

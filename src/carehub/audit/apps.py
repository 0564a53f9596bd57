from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "carehub.audit"
    label = "audit"

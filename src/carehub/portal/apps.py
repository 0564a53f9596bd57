from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "carehub.portal"
    label = "portal"

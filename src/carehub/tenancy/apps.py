from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "carehub.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        from carehub.tenancy.grants import sync_after_migrate

        # Tables created by later migrations get the privileges listed in grants.py.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="tenancy.grants")

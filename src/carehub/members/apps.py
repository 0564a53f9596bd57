from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "carehub.members"
    label = "members"

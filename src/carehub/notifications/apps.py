from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carehub.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Jobs send, notifications listen: the signal goes upward through the layers.
        from carehub.jobs.signals import job_finished
        from carehub.notifications.receivers import on_job_finished

        job_finished.connect(on_job_finished, dispatch_uid="notifications.job_finished")

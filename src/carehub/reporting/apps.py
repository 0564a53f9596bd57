from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "carehub.reporting"
    label = "reporting"
    verbose_name = "Reporting and governance"

    def ready(self) -> None:
        # Capacity-fund milestones reach settlement through the referrals' activity.
        from carehub.referrals.activity import EVENT_SOURCES
        from carehub.reporting.services.readiness import milestone_events

        if milestone_events not in EVENT_SOURCES:
            EVENT_SOURCES.append(milestone_events)

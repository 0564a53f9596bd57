from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "carehub.referrals"
    label = "referrals"
    verbose_name = "Referrals and service delivery"

    def ready(self) -> None:
        # Contracts cannot import referrals: a CBO leaving a contract asks this counter
        # whether it still holds open referrals there.
        from carehub.contracts import departures
        from carehub.referrals.services.departure_work import count_open

        if count_open not in departures.OPEN_WORK:
            departures.OPEN_WORK.append(count_open)

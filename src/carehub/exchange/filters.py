"""The filters of the deliveries list: they narrow the deliveries of the acting
organisation's contracts (`selectors.deliveries.deliveries`)."""

from __future__ import annotations

import django_filters

from carehub.exchange.models import Delivery, DeliveryStatus, Direction
from carehub.listing import ListFilterSet, SortFilter


class DeliveryFilterSet(ListFilterSet):
    status = django_filters.ChoiceFilter(label="Status", choices=DeliveryStatus.choices,
                                         empty_label="Any status")
    direction = django_filters.ChoiceFilter(label="Direction", choices=Direction.choices,
                                            empty_label="Either way")
    sort = SortFilter(fields=(("received_at", "received"), ("file_name", "file"),
                              ("status", "status")),
                      field_labels={"received_at": "Received", "file_name": "File",
                                    "status": "Status"},
                      default="-received")

    class Meta:
        model = Delivery
        fields: list[str] = []

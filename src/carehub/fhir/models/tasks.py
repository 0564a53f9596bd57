"""Links between carehub referrals and the Tasks and ServiceRequests of source systems.

A referral source (a hub's or plan's system) POSTs its Task (SDOHCC
TaskForReferralManagement) with its ServiceRequest. carehub makes the referral through
the referral services and keeps one `ReferralLink`: the source's Task and ServiceRequest
as received, under the ids the sender gave them. The source's Task is served back at
/fhir/Task/<source_task_id> to the sender's organisation with its status, reason and
output taken from the referral at the time of reading, so it follows the work without
a second copy of the state.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

__all__ = ["ProcedureRecord", "ReferralLink"]


class ReferralLink(models.Model):
    referral = models.OneToOneField("referrals.Referral", on_delete=models.CASCADE,
                                    related_name="fhir_link")
    # The organisation whose system sent the Task (the hub or the plan).
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    client_id = models.CharField(max_length=100, blank=True,
                                 help_text="the partner system that sent it (OAuth2 client id)")
    source_task_id = models.CharField(max_length=64)
    # "system|value" of the Task's first identifier: a second POST of the same Task is
    # recognised by it (or by its id when it has none).
    source_task_identifier = models.CharField(max_length=400, blank=True)
    source_task = models.JSONField()
    source_service_request_id = models.CharField(max_length=64, blank=True)
    source_service_request = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Visible to whoever sees the referral (row-level security follows the referral).
    objects = ScopedManager(organisation="referral__member__access__organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "source_task_id"],
                                    name="fhir_link_source_task"),
            models.UniqueConstraint(fields=["organisation", "source_task_identifier"],
                                    condition=~Q(source_task_identifier=""),
                                    name="fhir_link_source_identifier"),
        ]

    def __str__(self) -> str:
        return f"Referral link {self.pk} (Task/{self.source_task_id})"


class ProcedureRecord(models.Model):
    """A Procedure a partner system sent for a service it delivered: the service is
    logged in the referral (`referrals.ServiceDelivery`, through `log_service`), and the
    Procedure is kept as received so it comes back with the codings it arrived with."""

    delivery = models.OneToOneField("referrals.ServiceDelivery", on_delete=models.CASCADE,
                                    related_name="fhir_record")
    client_id = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True,
                                 help_text="the id the sender gave the Procedure")
    resource = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation="delivery__member__access__organisation")

    def __str__(self) -> str:
        return f"Procedure record {self.pk}"

"""Resources received by FHIR and served back as received.

A partner system (or a file) may send resource types carehub keeps no table for (Goal
with targets, Practitioner, Device, ...) or more than its tables hold. Each arrives here
whole, validated first, under an id carehub assigns; the sender's id is kept
(`sender_id`, and in meta.source). Rows belong to the receiving organisation; one about
a member of carehub's (`member`) is also visible only while that member is.
"""

from __future__ import annotations

import uuid

from django.db import models
from django_scopes import ScopedManager


def new_logical_id() -> str:
    return str(uuid.uuid4())


class ReceivedResource(models.Model):
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    resource_type = models.CharField(max_length=64)
    logical_id = models.CharField(max_length=64, default=new_logical_id)
    version_id = models.PositiveIntegerField(default=1)
    resource = models.JSONField(help_text="The resource as received.")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    # The reference the resource's subject/patient made, as written ("Patient/pat-1"),
    # for `patient=` searches on resources about someone carehub does not know.
    subject = models.CharField(max_length=200, blank=True)
    received_from = models.CharField(max_length=200, blank=True,
                                     help_text="The partner system's client_id, if any.")
    sender_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "resource_type", "logical_id"],
                                    name="received_resource_once"),
        ]
        indexes = [
            models.Index(fields=["organisation", "resource_type", "updated_at", "id"],
                         name="received_by_type_updated"),
            models.Index(fields=["organisation", "resource_type", "subject"],
                         name="received_by_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.logical_id}"


__all__ = ["ReceivedResource", "new_logical_id"]

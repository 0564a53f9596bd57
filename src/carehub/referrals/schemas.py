"""Response shapes of the referrals API (`referrals/api.py`)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class FhirTaskOut(Schema):
    """The referral as a FHIR Task would carry it."""

    status: str = Field(description="Task.status")
    businessStatus: str = Field(description="Task.businessStatus.text")  # FHIR's spelling


class ReferralOut(Schema):
    """One referral in a list: who, where, what, and where it stands."""

    id: int
    member: str = Field(description="the plan's member id")
    organisation: str = Field(description="name of the organisation the referral is with")
    service: str = Field(description="service code")
    contract: str = Field(description="contract code, empty when none applies")
    state: str
    close_reason: str = Field(description="why a closed referral closed, else empty")
    due_at: datetime | None = Field(description="when the next action is due")
    version: int = Field(description="goes up by one with every change")
    fhir_task: FhirTaskOut


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    title: str
    body: str = Field(description="the text; another organisation's text only with consent")
    organisation: str = Field(description="name of the organisation that recorded it")


class ReferralDetailOut(ReferralOut):
    """A referral with its member's timeline (consent decides what other organisations'
    entries show)."""

    shared: bool = Field(description="the member has an active data-sharing consent")
    timeline: list[TimelineEntryOut]

"""Response shapes of the referrals API (`referrals/api.py`)."""

from __future__ import annotations

from datetime import date, datetime

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


class ReferralIn(Schema):
    """A referral to make: a member of the contract's plan, the contract and its service.
    The contract's rules are checked as for every other way a referral is made."""

    member: str = Field(description="the plan's member id")
    contract: str = Field(description="contract code, e.g. DEMO-MEALS")
    service: str = Field("", description="service code; may be left out when the contract "
                                         "has a single service")
    organisation: int | None = Field(None, description="id of the delivering CBO; left out, "
                                                       "the hub's routing chooses")
    routing_reason: str = Field("", max_length=300,
                                description="why this organisation rather than routing's "
                                            "choice; needed with `organisation`")
    anchor_date: date | None = Field(None, description="discharge date, when timing runs "
                                                       "from discharge")
    override_reason: str = Field("", max_length=250,
                                 description="hub administrators only: make the referral "
                                             "although the contract's rules refuse it")


class ProblemOut(Schema):
    rule: str = Field(description="the rule's code, e.g. product, baa, volume")
    message: str = Field(description="what is wrong, in words")


class RefusedOut(Schema):
    """Why a referral was not made."""

    message: str
    problems: list[ProblemOut]

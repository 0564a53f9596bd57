"""Which rows an organisation's export holds, always through the acting organisation
(under its django-scopes scope and, on PostgreSQL, row-level security), and the sharing
rule as a subquery. See `tables` for the rule in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from carehub.audit.models import AuditEvent
from carehub.audit.selectors import events_for
from carehub.billing.models import Statement, StatementLine
from carehub.billing.selectors.statements import statements_for
from carehub.contracts.models import Contract, ContractParty
from carehub.contracts.selectors import contracts_visible_to
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.members.selectors import visible_members
from carehub.network.models import Location, OrganisationProfile, Service
from carehub.referrals.models import (
    Consent,
    ConsentKind,
    Need,
    OutreachAttempt,
    Referral,
    ReferralEvent,
    Screening,
    ServiceDelivery,
)
from carehub.referrals.selectors import referrals_for
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

# Access reasons that are the organisation's own ground to hold a member (the plan's
# enrolment; a hub's program under contract). Any other reason (a referral since passed
# on) holds only with an active data-sharing consent.
OWN_ACCESS = ("plan", "program")


@dataclass(frozen=True)
class Context:
    """Who exports, and the day consent is judged on."""

    acting: Acting
    day: date

    @property
    def organisation(self) -> Organisation:
        return self.acting.organisation

    @classmethod
    def of(cls, acting: Acting, day: date | None = None) -> Context:
        return cls(acting, day or timezone.localdate())


def active_consent(ctx: Context, member_ref: Any = None) -> Exists:
    """An active data-sharing consent of the member (`member_ref`, default the row's
    `member_id`): given, not expired, not revoked on `ctx.day`. The same test as
    `referrals.selectors.active_consent`, as a subquery so a table is one query."""
    return Exists(
        Consent.objects.filter(member_id=member_ref or OuterRef("member_id"),  # type: ignore[misc]
                               kind=ConsentKind.DATA_SHARING, revoked_at__isnull=True,
                               given_on__lte=ctx.day)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=ctx.day)))


def may_read(row: Any, ctx: Context, author_id: int | None) -> bool:
    """`Sharing.may_read`: the viewer's own record, or any while the member's consent is
    active (rows carry the `shared` annotation)."""
    return bool(row.shared) or (author_id is not None and author_id == ctx.organisation.pk)


def text_by(attr: str, author: Callable[[Any], int | None]) -> Callable[[Any, Context], Any]:
    def get(row: Any, ctx: Context) -> str:
        return getattr(row, attr) if may_read(row, ctx, author(row)) else ""
    return get


# --- which rows ---------------------------------------------------------------------


def exported_members(ctx: Context) -> QuerySet[Member]:
    org = ctx.organisation
    return (visible_members(org)
            .annotate(shared=active_consent(ctx, OuterRef("pk")),
                      access_reason=Subquery(MemberAccess.objects.filter(
                          member=OuterRef("pk"), organisation=org).values("reason")[:1]),
                      party=Exists(referrals_for(org).filter(member_id=OuterRef("pk"))))
            .filter(Q(plan=org) | Q(access_reason__in=OWN_ACCESS) | Q(party=True)
                    | Q(shared=True))
            .select_related("plan").order_by("pk"))


def rows_members(ctx: Context) -> QuerySet[Member]:
    return exported_members(ctx)


def rows_spans(ctx: Context) -> QuerySet[EnrolmentSpan]:
    return (EnrolmentSpan.objects.filter(member__in=exported_members(ctx).values("pk"))
            .order_by("member_id", "start"))


def rows_referrals(ctx: Context) -> QuerySet[Referral]:
    return (referrals_for(ctx.organisation).annotate(shared=active_consent(ctx))
            .select_related("plan", "hub", "organisation").order_by("pk"))


def rows_events(ctx: Context) -> QuerySet[ReferralEvent]:
    return (ReferralEvent.objects
            .filter(referral__in=referrals_for(ctx.organisation).values("pk"))
            .annotate(shared=active_consent(ctx))
            .select_related("organisation", "actor").order_by("referral_id", "at", "pk"))


def rows_services(ctx: Context) -> QuerySet[ServiceDelivery]:
    org = ctx.organisation
    return (ServiceDelivery.objects
            .filter(referral__in=referrals_for(org).values("pk"))
            .annotate(shared=active_consent(ctx))
            .filter(Q(organisation=org) | Q(shared=True))
            .select_related("organisation", "staff").order_by("pk"))


def rows_outreach(ctx: Context) -> QuerySet[OutreachAttempt]:
    org = ctx.organisation
    return (OutreachAttempt.objects
            .filter(referral__in=referrals_for(org).values("pk"))
            .annotate(shared=active_consent(ctx))
            .filter(Q(organisation=org) | Q(shared=True))
            .select_related("organisation", "actor").order_by("pk"))


def shared_member_records(model: Any, ctx: Context) -> QuerySet[Any]:
    """Rows of `model` (with member and organisation) about the exported members: the
    organisation's own, and others' while the member's consent is active."""
    org = ctx.organisation
    return (model.objects.filter(member__in=exported_members(ctx).values("pk"))
            .annotate(shared=active_consent(ctx))
            .filter(Q(organisation=org) | Q(shared=True))
            .select_related("organisation").order_by("pk"))


def rows_screenings(ctx: Context) -> QuerySet[Screening]:
    return shared_member_records(Screening, ctx).select_related("actor")


def rows_needs(ctx: Context) -> QuerySet[Need]:
    return shared_member_records(Need, ctx)


def rows_consents(ctx: Context) -> QuerySet[Consent]:
    return (Consent.objects.filter(member__in=exported_members(ctx).values("pk"))
            .select_related("organisation").order_by("pk"))


def rows_statements(ctx: Context) -> QuerySet[Statement]:
    return statements_for(ctx.acting).order_by("pk")


def rows_statement_lines(ctx: Context) -> QuerySet[StatementLine]:
    return (StatementLine.objects.filter(statement__in=rows_statements(ctx).values("pk"))
            .order_by("statement_id", "position"))


def rows_audit(ctx: Context) -> QuerySet[AuditEvent]:
    return events_for(ctx.organisation).order_by("seq")


def rows_profile(ctx: Context) -> QuerySet[OrganisationProfile]:
    return OrganisationProfile.objects.filter(organisation=ctx.organisation).order_by("pk")


def rows_locations(ctx: Context) -> QuerySet[Location]:
    return Location.objects.filter(organisation=ctx.organisation).order_by("name", "pk")


def rows_directory_services(ctx: Context) -> QuerySet[Service]:
    return (Service.objects.filter(organisation=ctx.organisation)
            .select_related("service_type").order_by("name", "pk"))


def rows_contracts(ctx: Context) -> QuerySet[Contract]:
    mine = ContractParty.objects.filter(contract=OuterRef("pk"), organisation=ctx.organisation)
    return (contracts_visible_to(ctx.organisation)
            .annotate(party_role=Subquery(mine.values("role")[:1]),
                      party_status=Subquery(mine.values("status")[:1]))
            .select_related("payer", "provider").order_by("code"))


def rows_organisation(ctx: Context) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk=ctx.organisation.pk)

"""The tables of an organisation's export, defined once: which rows (always through the
acting organisation, under its django-scopes scope and row-level security), which
columns, their types and what each means. The bundle's files, its README's data
dictionary and docs/export.md are all made from `TABLES`, so they never disagree.

Which members: those the organisation may see (`members.selectors.visible_members`, its
access rows) on one of its own grounds (it is the member's plan, it takes part in one of
the member's referrals as owner, hub or plan, or it holds the member under a program),
or else only while the member's data-sharing consent is active (an organisation that
saw a member through a referral since passed to another organisation sees them only
with consent: a revocation takes the member out of the next export).

What other organisations recorded (services delivered, free text on referrals and their
events) follows the sharing rule of `referrals.selectors`: the organisation's own
records always, other organisations' only while the member's consent is active.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from carehub.exchange.export_bundle.rows import (
    OWN_ACCESS,
    Context,
    rows_audit,
    rows_consents,
    rows_contracts,
    rows_directory_services,
    rows_events,
    rows_locations,
    rows_members,
    rows_needs,
    rows_organisation,
    rows_outreach,
    rows_profile,
    rows_referrals,
    rows_screenings,
    rows_services,
    rows_spans,
    rows_statement_lines,
    rows_statements,
    text_by,
)
from carehub.referrals.models import Consent, ConsentKind


@dataclass(frozen=True)
class Column:
    name: str
    # string | text | integer | boolean | date | timestamp | json | decimal(P,S)
    type: str
    meaning: str
    value: Callable[[Any, Context], Any]


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    query: Callable[[Context], QuerySet[Any]]
    # Rows identify members: writing them is a read of member data, audited per chunk.
    identifies_members: bool = False

    def file_name(self, fmt: str) -> str:
        return f"{self.name}.{fmt}"


def col(name: str, type_: str, meaning: str,
        value: Callable[[Any, Context], Any] | None = None) -> Column:
    """A column; without `value` it is the row's attribute of the same name."""
    def attribute(row: Any, ctx: Context) -> Any:
        return getattr(row, name)
    return Column(name, type_, meaning, value or attribute)


def slug_of(attr: str) -> Callable[[Any, Context], Any]:
    def get(row: Any, ctx: Context) -> str | None:
        org = getattr(row, attr)
        return org.slug if org is not None else None
    return get


# --- the sharing rule, set-based ----------------------------------------------------
def _consent_active(row: Consent, ctx: Context) -> bool:
    return (row.kind == ConsentKind.DATA_SHARING and row.revoked_at is None
            and row.given_on <= ctx.day
            and (row.expires_on is None or row.expires_on > ctx.day))


def _member_ground(row: Any, ctx: Context) -> str:
    if row.plan_id == ctx.organisation.pk:
        return "plan"
    if row.access_reason in OWN_ACCESS:
        return str(row.access_reason)
    return "referral" if row.party else "consent"


def _actor(row: Any, ctx: Context) -> str:
    """A person's user name on the viewer's own records; withheld on others'."""
    if row.organisation_id != ctx.organisation.pk:
        return ""
    actor = getattr(row, "actor", None) or getattr(row, "staff", None)
    return actor.username if actor is not None else ""


ID = "carehub's id of the row"
MEMBER = "carehub's id of the member (members.id)"

TABLES: tuple[Table, ...] = (
    Table("organisation", "The exporting organisation itself.", (
        col("id", "integer", "carehub's id of the organisation"),
        col("kind", "string", "payer (health plan), hub (community care hub) or cbo"),
        col("name", "string", "name shown in carehub"),
        col("legal_name", "string", "legal name"),
        col("slug", "string", "short name used in addresses and on the command line"),
        col("npi", "string", "National Provider Identifier, 10 digits, if any"),
        col("tin", "string", "Taxpayer Identification Number NN-NNNNNNN, if any"),
        col("medicaid_id", "string", "Medicaid provider id, if any"),
        col("created_at", "timestamp", "when it was added to carehub (UTC)"),
    ), rows_organisation),
    Table("members", "Plan members the organisation may see (see 'Which members').", (
        col("id", "integer", MEMBER),
        col("plan", "string", "slug of the member's health plan", slug_of("plan")),
        col("plan_member_id", "string", "the plan's member id", lambda r, c: r.member_id),
        col("first_name", "string", "first name"),
        col("last_name", "string", "last name"),
        col("birth_date", "date", "date of birth"),
        col("sex", "string", "F, M or U (unknown)"),
        col("race", "string", "race as the plan reported it"),
        col("ethnicity", "string", "ethnicity as the plan reported it"),
        col("language", "string", "preferred language"),
        col("address", "string", "street address"),
        col("city", "string", "city"),
        col("county", "string", "county, as `Name, ST`"),
        col("state", "string", "state, two letters"),
        col("zip", "string", "ZIP code"),
        col("phone", "string", "phone, 10 digits"),
        col("phone_alt", "string", "other phone, 10 digits"),
        col("email", "string", "e-mail address"),
        col("product", "string", "medicaid, medicare_advantage, dsnp or commercial"),
        col("pcp_npi", "string", "NPI of the primary care provider"),
        col("risk_score", "decimal(6,3)", "the plan's risk score"),
        col("hospice", "boolean", "in hospice"),
        col("ground", "string", "why the organisation holds the member: plan, program, "
            "referral, or consent (only through an active data-sharing consent)",
            _member_ground),
        col("created_at", "timestamp", "when the member was added (UTC)"),
        col("updated_at", "timestamp", "when the member was last changed (UTC)"),
    ), rows_members, identifies_members=True),
    Table("enrolment_spans", "Enrolment spans of the exported members.", (
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("start", "date", "first day enrolled"),
        col("end", "date", "last day enrolled; empty while open"),
    ), rows_spans),
    Table("referrals", "Referrals the organisation is party to (owner, hub or plan), "
          "with their state as the referral pages show it.", (
        col("id", "integer", "carehub's id of the referral"),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("plan", "string", "slug of the member's plan", slug_of("plan")),
        col("hub", "string", "slug of the hub that routed it, if any", slug_of("hub")),
        col("organisation", "string", "slug of the organisation that owns the work",
            slug_of("organisation")),
        col("contract_code", "string", "code of the contract it is under"),
        col("service_code", "string", "code of the contract's service"),
        col("service_type", "string", "the directory's service type"),
        col("state", "string", "assigned, outreach, contacted, enrolled, in_progress, "
            "completed, declined, closed ... (docs/referrals.md)"),
        col("close_reason", "string", "why it was closed, if it was"),
        col("decline_reason", "text", "why the owner declined it: the owner's words, "
            "empty for another organisation without the member's consent",
            text_by("decline_reason", lambda r: r.organisation_id)),
        col("source", "string", "how it came: manual, ranked_list, plan, fhir ..."),
        col("anchor_date", "date", "discharge date when the timing runs from discharge"),
        col("due_at", "timestamp", "when the next step is due (UTC)"),
        col("attempts", "integer", "outreach attempts made"),
        col("enrolled_on", "date", "date the member enrolled in the service"),
        col("completed_on", "date", "date the service was completed"),
        col("routing_reason", "text", "the routing decision, in words"),
        col("needs_routing", "boolean", "held by the hub until a coordinator routes it"),
        col("routed_by_override", "boolean", "a coordinator chose the organisation"),
        col("override_reason", "text", "the coordinator's reason (the hub's words, "
            "empty for another organisation without the member's consent)",
            text_by("override_reason", lambda r: r.hub_id)),
        col("version", "integer", "version, raised by each change"),
        col("created_at", "timestamp", "when it was made (UTC)"),
        col("updated_at", "timestamp", "when it last changed (UTC)"),
    ), rows_referrals),
    Table("referral_events", "Every state change, assignment and routing decision of "
          "those referrals.", (
        col("id", "integer", ID),
        col("referral", "integer", "referrals.id", lambda r, c: r.referral_id),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("organisation", "string", "slug of the organisation that made the change",
            slug_of("organisation")),
        col("kind", "string", "transition, assigned, routed, reassigned ..."),
        col("from_state", "string", "state before"),
        col("to_state", "string", "state after"),
        col("note", "text", "the note given: empty when another organisation wrote it and "
            "the member's consent is not active", text_by("note", lambda r: r.organisation_id)),
        col("actor", "string", "user name of the person (own organisation's events only)",
            _actor),
        col("at", "timestamp", "when (UTC)"),
    ), rows_events),
    Table("services_delivered", "Units of service delivered on those referrals: the "
          "organisation's own, and other organisations' while the member's data-sharing "
          "consent is active.", (
        col("id", "integer", ID),
        col("referral", "integer", "referrals.id", lambda r, c: r.referral_id),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("organisation", "string", "slug of the organisation that delivered it",
            slug_of("organisation")),
        col("contract_code", "string", "contract"),
        col("service_code", "string", "the contract's service"),
        col("date", "date", "date of service"),
        col("units", "integer", "units delivered"),
        col("setting", "string", "where: the contract's settings (in_person, phone ...)"),
        col("staff", "string", "user name of who delivered it (own organisation's only)",
            _actor),
        col("note", "text", "note"),
        col("at", "timestamp", "when it was recorded (UTC)"),
    ), rows_services),
    Table("outreach_attempts", "Attempts to reach the member on those referrals: the "
          "organisation's own, and others' while the member's consent is active.", (
        col("id", "integer", ID),
        col("referral", "integer", "referrals.id", lambda r, c: r.referral_id),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("organisation", "string", "slug of the organisation that tried",
            slug_of("organisation")),
        col("at", "timestamp", "when (UTC)"),
        col("channel", "string", "phone, text, mail, in_person ..."),
        col("outcome", "string", "reached, no_answer, left_message, wrong_number, "
            "returned_mail, refused"),
        col("note", "text", "note"),
        col("actor", "string", "user name (own organisation's only)", _actor),
    ), rows_outreach),
    Table("screenings", "Health-related social needs screenings (AHC HRSN) of the exported "
          "members: the organisation's own, and others' while the member's consent is "
          "active.", (
        col("id", "integer", ID),
        col("referral", "integer", "referrals.id, if made on a referral",
            lambda r, c: r.referral_id),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("organisation", "string", "slug of the organisation that screened",
            slug_of("organisation")),
        col("instrument", "string", "the instrument, e.g. ahc-hrsn"),
        col("language", "string", "language it was given in"),
        col("answers", "json", "JSON: item LOINC code to answer LOINC code(s)"),
        col("positive_domains", "json", "JSON list of the domains screened positive"),
        col("safety_score", "integer", "the interpersonal safety score, if asked"),
        col("complete", "boolean", "every question answered"),
        col("unanswered_items", "json", "JSON list of the item LOINC codes unanswered"),
        col("at", "timestamp", "when (UTC)"),
        col("actor", "string", "user name (own organisation's only)", _actor),
    ), rows_screenings),
    Table("needs", "Coded needs (ICD-10-CM Z codes) and their goals, of the exported "
          "members: the organisation's own, and others' while the member's consent is "
          "active.", (
        col("id", "integer", ID),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("organisation", "string", "slug of the organisation that recorded it",
            slug_of("organisation")),
        col("screening", "integer", "screenings.id it came from, if any",
            lambda r, c: r.screening_id),
        col("domain", "string", "the social need's domain: food, housing, transport ..."),
        col("icd10", "string", "ICD-10-CM code"),
        col("icd10_display", "string", "the code's title"),
        col("goal", "text", "the goal set"),
        col("status", "string", "active, met or dropped"),
        col("at", "timestamp", "when (UTC)"),
    ), rows_needs),
    Table("consents", "Consents of the exported members, whoever recorded them.", (
        col("id", "integer", ID),
        col("member", "integer", MEMBER, lambda r, c: r.member_id),
        col("organisation", "string", "slug of the organisation that recorded it",
            slug_of("organisation")),
        col("kind", "string", "data_sharing or story_sharing"),
        col("scope", "text", "what may be shared with whom, as the member agreed"),
        col("given_on", "date", "date given"),
        col("expires_on", "date", "date it expires, if it does"),
        col("revoked_at", "timestamp", "when it was revoked, if it was (UTC)"),
        col("recorded_at", "timestamp", "when it was recorded (UTC)"),
        col("active", "boolean", "a data-sharing consent in force on the export's day",
            _consent_active),
    ), rows_consents),
    Table("statements", "Statements issued for good on contracts the organisation pays "
          "or provides.", (
        col("id", "integer", ID),
        col("contract_code", "string", "contract", lambda r, c: r.contract.code),
        col("payer", "string", "slug of the payer", slug_of("payer")),
        col("provider", "string", "slug of the provider", slug_of("provider")),
        col("period", "string", "month settled, YYYY-MM"),
        col("period_start", "date", "first day of the period"),
        col("period_end", "date", "last day of the period"),
        col("sequence", "integer", "1 the original, then each adjustment"),
        col("kind", "string", "original or adjustment"),
        col("billing_mode", "string", "invoice or claims"),
        col("total", "decimal(14,2)", "total in US dollars, exact"),
        col("activity_sha256", "string", "SHA-256 of the activity it was settled from"),
        col("issued_at", "timestamp", "when it was issued (UTC)"),
    ), rows_statements),
    Table("statement_lines", "The lines of those statements.", (
        col("id", "integer", ID),
        col("statement", "integer", "statements.id", lambda r, c: r.statement_id),
        col("position", "integer", "line number in the statement"),
        col("component", "string", "the terms' component the line prices"),
        col("label", "text", "the line's label"),
        col("quantity", "string", "quantity, as the engine wrote it"),
        col("rate", "decimal(14,4)", "rate in US dollars, exact"),
        col("amount", "decimal(14,2)", "amount in US dollars, exact"),
        col("basis", "text", "how the amount was reached"),
        col("mlr", "string", "medical-loss-ratio category: medical, quality or admin"),
    ), rows_statement_lines),
    Table("audit_events", "The organisation's audit trail: every read and write its users "
          "(and its jobs) made.", (
        col("seq", "integer", "the event's number"),
        col("occurred_at", "timestamp", "when (UTC)"),
        col("actor", "string", "user name", lambda r, c: r.actor_name),
        col("action", "string", "view, create, update, delete, export, login ..."),
        col("object_type", "string", "what kind of thing"),
        col("object_id", "string", "which one"),
        col("member_id", "string", "members.id when it concerns one member"),
        col("ip", "string", "address of the request"),
        col("request_id", "string", "the request's id, as in the logs"),
        col("detail", "json", "more about it, JSON"),
    ), rows_audit),
    Table("directory_profile", "The organisation's own directory entry.", (
        col("id", "string", "carehub's id (UUID)", lambda r, c: str(r.pk)),
        col("description", "text", "description"),
        col("email", "string", "e-mail"),
        col("website", "string", "website"),
        col("phone", "string", "phone"),
        col("updated_at", "timestamp", "last changed (UTC)"),
    ), rows_profile),
    Table("directory_locations", "The organisation's own sites in the directory.", (
        col("id", "string", "carehub's id (UUID)", lambda r, c: str(r.pk)),
        col("name", "string", "name"),
        col("location_type", "string", "physical, virtual or postal"),
        col("address_1", "string", "street address"),
        col("city", "string", "city"),
        col("state_province", "string", "state"),
        col("postal_code", "string", "ZIP code"),
        col("county", "string", "county, as `Name, ST`"),
        col("country", "string", "country, two letters"),
        col("phone", "string", "phone"),
        col("hours", "string", "opening hours, in words"),
        col("latitude", "decimal(9,6)", "latitude"),
        col("longitude", "decimal(9,6)", "longitude"),
        col("updated_at", "timestamp", "last changed (UTC)"),
    ), rows_locations),
    Table("directory_services", "The organisation's own services in the directory.", (
        col("id", "string", "carehub's id (UUID)", lambda r, c: str(r.pk)),
        col("name", "string", "name"),
        col("service_type", "string", "the service type's slug",
            lambda r, c: r.service_type.slug),
        col("description", "text", "description"),
        col("status", "string", "active, inactive ..."),
        col("languages", "json", "languages, a JSON list"),
        col("coverage_counties", "json", "counties covered, a JSON list of `Name, ST`"),
        col("coverage_zips", "json", "ZIP codes covered, a JSON list"),
        col("eligibility_description", "text", "eligibility notes"),
        col("hours", "string", "when it runs"),
        col("unit", "string", "unit of service"),
        col("capacity_per_month", "integer", "units it can deliver a month"),
        col("capacity_status", "string", "accepting, waitlist or full"),
        col("waitlist_length", "integer", "people waiting"),
        col("verified_at", "timestamp", "last verified (UTC)"),
        col("updated_at", "timestamp", "last changed (UTC)"),
    ), rows_directory_services),
    Table("contracts", "Contracts the organisation is party to (payer, provider, delivering "
          "CBO, or invited).", (
        col("id", "integer", ID),
        col("code", "string", "the contract's code"),
        col("name", "string", "name"),
        col("payer", "string", "slug of the payer", slug_of("payer")),
        col("provider", "string", "slug of the provider", slug_of("provider")),
        col("party_role", "string", "the organisation's part: payer, provider, delivering, "
            "leaving"),
        col("party_status", "string", "its acceptance: proposed, accepted, declined"),
        col("stage", "string", "the contract's stage"),
        col("signed_on", "date", "date signed"),
        col("starts", "date", "first day in effect"),
        col("ends", "date", "last day in effect"),
        col("max_outreach_attempts", "integer", "attempts before closing as unreachable"),
        col("data_submission_days", "integer", "days after a service to record it"),
        col("created_at", "timestamp", "added (UTC)"),
        col("updated_at", "timestamp", "last changed (UTC)"),
    ), rows_contracts),
)

TABLE_NAMES = tuple(t.name for t in TABLES)


def plain(value: Any) -> Any:
    """A column value as the files hold it: JSON text for dicts and lists, str for UUIDs."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if value is not None and not isinstance(value, (str, int, float, bool, Decimal, date)):
        return str(value)
    return value

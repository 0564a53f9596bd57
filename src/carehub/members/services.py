"""Writing members: the roster import. Idempotent by (plan, member id); all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.members.imports import RosterRow
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner


@dataclass(frozen=True)
class RosterImportResult:
    created: int
    updated: int
    unchanged: int
    spans_created: int
    spans_updated: int


_FIELDS = ("first_name", "last_name", "birth_date", "sex", "product", "hospice", "risk_score",
           "race", "ethnicity", "language", "address", "city", "county", "state", "zip",
           "phone", "phone_alt", "email", "pcp_npi")


def grant_plan_access(member: Member) -> None:
    """The plan's own grant to see its member. Checked by construction (the organisation
    is the member's plan), so it may be written for a hub uploading under a contract that
    allows it: the one write of the roster import that steps out of the tenant role."""
    with as_owner():
        MemberAccess.objects.get_or_create(member=member, organisation_id=member.plan_id,
                                           defaults={"reason": "plan"})


def import_roster(plan: Organisation, rows: list[RosterRow], *, acting: Acting,
                  source: str = "") -> RosterImportResult:
    """Create or update the plan's members and enrolment spans from checked rows.

    Runs in one transaction; re-running the same file changes nothing. Writes only
    `plan`'s roster; the caller decides that the acting organisation may (the plan
    itself, or a hub under a contract in effect that allows uploads: referrals.uploads).
    On PostgreSQL it runs under the caller's tenant role and row-level security.
    The audit event is the plan's (its roster changed), by the acting user and request;
    a hub uploading for the plan is named in the detail.
    """
    if plan.kind != "payer":
        raise ValueError(f"{plan.name} is not a health plan; a roster belongs to a plan")
    created = updated = unchanged = spans_created = spans_updated = 0
    with transaction.atomic(), scopes_disabled():
        existing = {m.member_id: m for m in Member.objects.filter(
            plan=plan, member_id__in={r.member_id for r in rows})}
        touched: set[str] = set()
        for row in rows:
            values: dict[str, Any] = {
                "first_name": row.first_name, "last_name": row.last_name,
                "birth_date": row.birth_date, "sex": row.sex, "product": row.product,
                "hospice": row.hospice, "risk_score": row.risk_score, **row.details,
            }
            member = existing.get(row.member_id)
            if member is None:
                member = Member.objects.create(plan=plan, member_id=row.member_id, **values)
                grant_plan_access(member)
                existing[row.member_id] = member
                created += 1
                touched.add(row.member_id)
            elif row.member_id not in touched:
                changed = [f for f in _FIELDS if f in values and getattr(member, f) != values[f]]
                for name in changed:
                    setattr(member, name, values[name])
                if changed:
                    member.save(update_fields=[*changed, "updated_at"])
                    updated += 1
                else:
                    unchanged += 1
                touched.add(row.member_id)
            span, made = EnrolmentSpan.objects.get_or_create(
                member=member, start=row.enroll_start, defaults={"end": row.enroll_end})
            if made:
                spans_created += 1
            elif span.end != row.enroll_end:
                span.end = row.enroll_end
                span.save(update_fields=["end"])
                spans_updated += 1
        detail: dict[str, Any] = {"created": created, "updated": updated,
                                  "unchanged": unchanged, "rows": len(rows)}
        if acting.organisation is not None and acting.organisation.pk != plan.pk:
            detail["uploaded_by"] = acting.organisation.pk
        audit.record("create", object_type="roster_import", object_id=source, acting=acting,
                     organisation=plan, detail=detail)
    return RosterImportResult(created, updated, unchanged, spans_created, spans_updated)

"""Writing members: the roster import. Idempotent by (plan, member id); all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
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


@dataclass
class RosterCounts:
    """Running counts of a roster import job (kept in its checkpoint)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    spans_created: int = 0
    spans_updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def save_roster_chunk(plan: Organisation, rows: list[RosterRow], counts: RosterCounts,
                      seen_before: set[str], may_repeat: Callable[[str], bool]) -> None:
    """Create or update one chunk of a checked roster in bulk (a few statements per
    chunk), adding to `counts`. The caller holds the transaction (with the job's
    checkpoint) and the audit. `seen_before`: member ids already met in earlier chunks
    among those that `may_repeat` (a member with several enrolment spans), so the member
    is counted once, as `import_roster` counts it; grown here. Only such members are
    kept, so the set stays small whatever the file's size.

    Safe to run twice on the same rows: members are unique per plan and spans per
    member and start (database constraints), so a re-run finds them and changes
    nothing."""
    if plan.kind != "payer":
        raise ValueError(f"{plan.name} is not a health plan; a roster belongs to a plan")
    now = timezone.now()
    with scopes_disabled():
        ids = {r.member_id for r in rows}
        existing = {m.member_id: m for m in Member.objects.filter(plan=plan, member_id__in=ids)}
        new: dict[str, Member] = {}
        changed: dict[str, Member] = {}
        changed_fields: set[str] = set()
        touched: set[str] = set()
        for row in rows:
            if row.member_id in touched or row.member_id in seen_before:
                continue
            touched.add(row.member_id)
            values: dict[str, Any] = {
                "first_name": row.first_name, "last_name": row.last_name,
                "birth_date": row.birth_date, "sex": row.sex, "product": row.product,
                "hospice": row.hospice, "risk_score": row.risk_score, **row.details}
            member = existing.get(row.member_id)
            if member is None:
                new[row.member_id] = Member(plan=plan, member_id=row.member_id, **values)
                continue
            fields = [f for f in _FIELDS if f in values and getattr(member, f) != values[f]]
            for name in fields:
                setattr(member, name, values[name])
            if fields:
                member.updated_at = now  # bulk_update does not touch auto_now fields
                changed[row.member_id] = member
                changed_fields.update(fields)
            else:
                counts.unchanged += 1
        if new:
            Member.objects.bulk_create(list(new.values()), batch_size=1000)
            # Primary keys from the database (bulk_create does not return them everywhere).
            existing.update((m.member_id, m) for m in Member.objects.filter(
                plan=plan, member_id__in=list(new)).only("pk", "member_id", "plan_id"))
            with as_owner():
                MemberAccess.objects.bulk_create(
                    [MemberAccess(member_id=existing[mid].pk, organisation_id=plan.pk,
                                  reason="plan") for mid in new], batch_size=1000)
            counts.created += len(new)
        if changed:
            Member.objects.bulk_update(list(changed.values()),
                                       sorted([*changed_fields, "updated_at"]), batch_size=1000)
            counts.updated += len(changed)
        seen_before.update(m for m in touched if may_repeat(m))
        pks = {existing[r.member_id].pk for r in rows}
        spans = {(s.member_id, s.start): s for s in EnrolmentSpan.objects.filter(member_id__in=pks)}
        add: dict[tuple[int, Any], EnrolmentSpan] = {}
        ends: list[EnrolmentSpan] = []
        for row in rows:
            key = (existing[row.member_id].pk, row.enroll_start)
            span = spans.get(key)
            if span is None:
                if key not in add:
                    add[key] = EnrolmentSpan(member_id=key[0], start=row.enroll_start,
                                             end=row.enroll_end)
            elif span.end != row.enroll_end:
                span.end = row.enroll_end
                ends.append(span)
        EnrolmentSpan.objects.bulk_create(list(add.values()), batch_size=1000)
        EnrolmentSpan.objects.bulk_update(ends, ["end"], batch_size=1000)
        counts.spans_created += len(add)
        counts.spans_updated += len(ends)


def record_roster_import(plan: Organisation, counts: RosterCounts, *, rows: int, acting: Acting,
                         source: str) -> None:
    """The roster import's one audit event (the plan's roster changed), as
    `import_roster` records it."""
    detail: dict[str, Any] = {"created": counts.created, "updated": counts.updated,
                              "unchanged": counts.unchanged, "rows": rows}
    if acting.organisation is not None and acting.organisation.pk != plan.pk:
        detail["uploaded_by"] = acting.organisation.pk
    audit.record("create", object_type="roster_import", object_id=source, acting=acting,
                 organisation=plan, detail=detail)

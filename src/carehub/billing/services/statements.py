"""Issuing statements: a contract's month built from the database, settled by the engine
with the terms in force on the month's first day, and stored with every line and its
basis, in one transaction, audited.

A statement is issued once and never changed. Settling a month that already has issued
statements stores an adjustment of the differences only (`settle(..., previous=...)`,
the previous statements rebuilt from their stored lines), with the next sequence number;
when nothing differs, nothing is issued. History is never typed in: a prepayment's
outstanding balance is its amount less the recoupments on the contract's statements of
earlier months; penalties, fund balances and bundled episodes count from the activity's
earlier events and spending (`referrals.activity.build_activity`).

Two runs at once cannot both issue the same sequence: the contract's row is locked
(`select_for_update`, PostgreSQL) while the sequence is chosen, and the unique
(contract, period, sequence) constraint answers any run that slips past it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.billing.models import Statement, StatementKind, StatementLine
from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract, TermsVersion
from carehub.core import settlement as engine
from carehub.core.activity import Activity, ActivityError, load_activity
from carehub.core.money import ZERO, fmt, round_to
from carehub.core.periods import Span
from carehub.core.settlement import SettlementError
from carehub.core.settlement.member_lines import member_lines
from carehub.core.settlement.prepayment import RECOUPMENT
from carehub.core.terms import Prepayment, Terms, TermsError, load_terms
from carehub.core.validation import InputError
from carehub.referrals.activity import PeriodError, build_activity, period_bounds
from carehub.referrals.models import ServiceDelivery
from carehub.tenancy.access import Acting

Stage = Callable[[str], None]
ADJUSTED = "Adjustment: "


class IssueError(Exception):
    """The month cannot be issued: `message` says why, `errors` lists (where, message)."""

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def _problems(exc: InputError, where: str) -> IssueError:
    errors = [{"where": f"{where} {path}".strip(), "message": message}
              for path, message in exc.errors]
    return IssueError(f"{where}: {len(errors)} problem{'s' if len(errors) != 1 else ''}; "
                      "no statement was issued.", errors)


def issued_for(contract: Contract, period: str) -> list[Statement]:
    """The statements already issued for the contract's month, in sequence order."""
    with scopes_disabled():
        return list(Statement.objects.filter(contract=contract, period=period)
                    .order_by("sequence").prefetch_related("lines"))


def rebuilt(statement: Statement) -> engine.Statement:
    """An issued statement as the engine's `Statement`, from its stored lines."""
    lines = tuple(engine.Line(line.component, line.label, line.quantity, line.rate,
                              line.amount, line.basis, line.mlr)
                  for line in statement.lines.all())
    return engine.Statement(statement.contract.code,
                            Span(statement.period_start, statement.period_end), lines,
                            adjustment=statement.kind == StatementKind.ADJUSTMENT)


def recouped_before(contract: Contract, period: str, terms: Terms) -> dict[str, Decimal]:
    """Each recouping prepayment's recoupments on the contract's statements of earlier
    months (originals and adjustments), as a positive amount."""
    ids = [c.id for c in terms.components if isinstance(c, Prepayment) and c.recoup_rate > 0]
    if not ids:
        return {}
    with scopes_disabled():
        rows = (StatementLine.objects
                .filter(statement__contract=contract, statement__period__lt=period,
                        component__in=ids, label__in=(RECOUPMENT, ADJUSTED + RECOUPMENT))
                .values("component").annotate(total=Sum("amount")))
        found = {row["component"]: -round_to(row["total"] or ZERO) for row in rows}
    return {component: found.get(component, ZERO) for component in ids}


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _member_line_key(item: dict[str, Any]) -> tuple[str, ...]:
    return (item["component"], item["id"], item["member"], item["date"], item["service"])


def member_line_differences(now: list[dict[str, Any]],
                            before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Member lines of an adjustment: per delivery, what changed since the statements
    already issued (negative units and amounts where less is owed now)."""
    was: dict[tuple[str, ...], list[Any]] = {}
    template: dict[tuple[str, ...], dict[str, Any]] = {}
    for item in before:
        key = _member_line_key(item)
        entry = was.setdefault(key, [0, ZERO])
        entry[0] += int(item["units"])
        entry[1] += Decimal(item["amount"])
        template.setdefault(key, item)
    out: list[dict[str, Any]] = []
    seen = set()
    for item in now:
        key = _member_line_key(item)
        seen.add(key)
        units, amount = was.get(key, [0, ZERO])
        if int(item["units"]) != units or Decimal(item["amount"]) != amount:
            out.append({**item, "units": int(item["units"]) - units,
                        "amount": fmt(Decimal(item["amount"]) - amount)})
    for key, (units, amount) in was.items():
        if key not in seen and (units or amount):
            out.append({**template[key], "units": -units, "amount": fmt(-amount)})
    return out


def issue_statement(contract: Contract, period: str, *, acting: Acting, job: Any = None,
                    stage: Stage | None = None) -> Statement | None:
    """Issue the contract's statement for `period` (YYYY-MM): the original, or an
    adjustment of the differences when the month was issued before. None when nothing
    differs from what was issued (nothing is stored). IssueError names what is wrong."""
    step = stage or (lambda name: None)
    org = acting.organisation
    if (org is not None and acting.role != "system"
            and org.pk not in (contract.payer_id, contract.provider_id)):
        raise IssueError(f"{org.name} is neither the payer nor the provider of "
                         f"{contract.code}.")
    if job is not None:
        with scopes_disabled():
            done = Statement.objects.filter(job=job).first()
        if done is not None:  # the job ran this far before: the same statement
            return done
    step("Reading the activity")
    try:
        start, end = period_bounds(period)
        data = build_activity(contract.code, period, plan=contract.payer)
        activity = load_activity(data)
    except PeriodError as exc:
        raise IssueError(f"{contract.code} {period}: {exc}") from None
    except ActivityError as exc:
        raise _problems(exc, f"{contract.code} {period} activity") from None
    with scopes_disabled():
        version: TermsVersion | None = contract_selectors.terms_version_in_force(contract, start)
    if version is None:
        raise IssueError(f"{contract.code} has no terms in force on {start}.")
    try:
        terms = load_terms(version.document)
    except TermsError as exc:
        raise _problems(exc, f"{contract.code} terms v{version.version}") from None
    recouped = recouped_before(contract, period, terms)
    if recouped:
        activity = replace(activity, recouped={**activity.recouped, **recouped})
        data = {**data, "recouped": {k: fmt(v) for k, v in recouped.items()}}
    step("Settling")
    try:
        with transaction.atomic():
            return _issue(contract, period, version, terms, activity, data, acting=acting,
                          job=job, step=step)
    except IntegrityError:
        raise IssueError(f"Another run issued a statement for {contract.code} {period} at "
                         "the same time; nothing was issued by this one. Open the month's "
                         "statements, or settle it again to issue any difference left."
                         ) from None
    except SettlementError as exc:
        raise _problems(exc, f"{contract.code} {period}") from None


def _lock(contract: Contract) -> None:
    # Runs settling the same contract queue here, so each sees the statements the one
    # before it issued when choosing the next sequence (a no-op on SQLite, which
    # serialises writers anyway).
    with scopes_disabled():
        Contract.objects.select_for_update().filter(pk=contract.pk).values_list("pk").first()


def _issue(contract: Contract, period: str, version: TermsVersion, terms: Terms,
           activity: Activity, data: dict[str, Any], *, acting: Acting, job: Any,
           step: Stage) -> Statement | None:
    _lock(contract)
    issued = issued_for(contract, period)
    claims = terms.billing == "claims" or "claims" in terms.billing_by_provider.values()
    lines_now = claims_lines(terms, activity) if claims else []
    if issued:
        result = engine.settle(terms, activity, previous=[rebuilt(s) for s in issued])
        if not result.lines:
            return None
        before = [item for s in issued for item in s.document.get("member_lines", [])]
        lines_now = member_line_differences(lines_now, before) if claims else []
    else:
        result = engine.settle(terms, activity)
    step("Issuing the statement")
    return store(contract, period, version, terms, result, data, acting=acting, job=job,
                 sequence=len(issued) + 1, member_lines_json=lines_now if claims else None)


def claims_lines(terms: Terms, activity: Activity) -> list[dict[str, Any]]:
    """Member lines of the deliveries whose CBO bills claims under the terms (the
    contract's `billing`, or its own under `billing_by_provider`), each naming the CBO."""
    found = member_lines(terms, activity)
    ids = {int(item.id) for item in found if item.id.isdigit()}
    with scopes_disabled():
        slugs = dict(ServiceDelivery.objects.filter(pk__in=ids)
                     .values_list("pk", "organisation__slug"))
    out = []
    for item in found:
        slug = slugs.get(int(item.id), "") if item.id.isdigit() else ""
        if terms.billing_for(slug) == "claims":
            out.append({**item.to_json_dict(), "provider": slug})
    return out


def store(contract: Contract, period: str, version: TermsVersion, terms: Terms,
          result: engine.Statement, data: dict[str, Any], *, acting: Acting, job: Any,
          sequence: int, member_lines_json: list[dict[str, Any]] | None) -> Statement:
    """Write the statement and its lines (the caller's transaction); audited."""
    document = result.to_json_dict()
    for raw, line in zip(document["lines"], result.lines, strict=True):
        raw["mlr"] = line.mlr
    document["sequence"] = sequence
    document["terms_version"] = version.version
    document["billing"] = terms.billing
    if member_lines_json is not None:
        document["member_lines"] = member_lines_json
    kind = StatementKind.ADJUSTMENT if result.adjustment else StatementKind.ORIGINAL
    with scopes_disabled(), transaction.atomic():
        statement = Statement.objects.create(
            contract=contract, payer_id=contract.payer_id, provider_id=contract.provider_id,
            period=period, period_start=result.period.start, period_end=result.period.end,
            sequence=sequence, kind=kind, terms_version=version, billing_mode=terms.billing,
            total=result.total, by_mlr={k: fmt(v) for k, v in result.by_mlr().items()},
            document=document, activity_sha256=_digest(data), issued_at=timezone.now(),
            issued_by=acting.user if getattr(acting.user, "pk", None) else None, job=job)
        StatementLine.objects.bulk_create([
            StatementLine(statement=statement, position=index, component=line.component,
                          label=line.label[:300], quantity=line.quantity[:40], rate=line.rate,
                          amount=line.amount, basis=line.basis, mlr=line.mlr)
            for index, line in enumerate(result.lines, start=1)])
        audit.record("create", acting=acting, object_type="statement",
                     object_id=str(statement.pk),
                     detail={"contract": contract.code, "period": period, "sequence": sequence,
                             "kind": kind, "total": fmt(result.total),
                             "lines": len(result.lines),
                             "member_lines": len(member_lines_json or [])})
    return statement

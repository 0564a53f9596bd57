"""Reading readiness, always for the acting organisation: a hub reads its network's
CBOs, a CBO itself, a plan the CBOs delivering on its contracts (read only). Anything
else is 404, the same answer as something that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.billing.models import Statement, StatementLine
from carehub.contracts.models import Contract, ContractParty, PartyRole, TermsVersion
from carehub.contracts.selectors import terms_version_in_force
from carehub.core import settlement as engine
from carehub.core.activity import ActivityError, load_activity
from carehub.core.money import ZERO
from carehub.core.terms import TermsError, load_terms
from carehub.referrals.activity import PeriodError, build_activity
from carehub.reporting import readiness_questions as questions
from carehub.reporting.models.readiness import (
    CapacityFund,
    ReadinessAssessment,
    ResourceDocument,
    TaStatus,
    TaTask,
)
from carehub.tenancy.access import Acting, hubs_of_cbo, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind, Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PLAN = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)
CBO = (Role.CBO_SUPERVISOR,)
READERS = (*HUB, *PLAN, *CBO)
DELIVERING = (PartyRole.DELIVERING, PartyRole.LEAVING)


def plan_cbo_ids(plan: Organisation) -> QuerySet[ContractParty, Any]:
    with scopes_disabled():
        contracts = ContractParty.objects.filter(organisation=plan, role=PartyRole.PAYER)
        return ContractParty.objects.filter(contract_id__in=contracts.values("contract_id"),
                                            role__in=DELIVERING).values("organisation_id")


def cbos_for(acting: Acting) -> QuerySet[Organisation]:
    """The CBOs whose readiness the acting organisation may read."""
    org = acting.organisation
    if acting.has_role(*HUB):
        found = network_cbos(org)
    elif acting.has_role(*CBO):
        found = Organisation.objects.filter(pk=org.pk, kind=OrganisationKind.CBO)
    elif acting.has_role(*PLAN):
        found = Organisation.objects.filter(pk__in=plan_cbo_ids(org), kind=OrganisationKind.CBO)
    else:
        found = Organisation.objects.none()
    return found.order_by("name")


def get_cbo(acting: Acting, pk: int) -> Organisation:
    cbo = cbos_for(acting).filter(pk=pk).first()
    if cbo is None:
        raise Http404("Not found")
    return cbo


def readable(acting: Acting) -> Q:
    """Rows (assessments, tasks, funds) the acting organisation may read."""
    org = acting.organisation
    if acting.has_role(*HUB):
        return Q(hub=org, cbo__in=network_cbos(org))
    if acting.has_role(*CBO):
        return Q(cbo=org)
    if acting.has_role(*PLAN):
        return Q(cbo__in=plan_cbo_ids(org))
    return Q(pk__in=[])


def assessments(acting: Acting, cbo: Organisation | None = None) -> QuerySet[ReadinessAssessment]:
    found = ReadinessAssessment.objects.filter(readable(acting)).select_related("cbo", "hub",
                                                                                  "assessed_by")
    return found.filter(cbo=cbo) if cbo is not None else found


def latest(acting: Acting, cbo: Organisation) -> ReadinessAssessment | None:
    return assessments(acting, cbo).order_by("-assessed_on", "-pk").first()


def get_assessment(acting: Acting, pk: int) -> ReadinessAssessment:
    found = assessments(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def answer_rows(assessment: ReadinessAssessment) -> list[dict[str, object]]:
    """Per domain: label, score, level and each question with its answer and note."""
    given = {a.question: a for a in assessment.answers.all()}
    out = []
    for domain in questions.DOMAINS:
        score = int(assessment.by_domain.get(domain.key, 0))
        out.append({"domain": domain, "score": score, "level": questions.level(score),
                    "answers": [{"question": q, "answer": given.get(q.key)}
                                for q in domain.questions]})
    return out


def tasks(acting: Acting, cbo: Organisation | None = None, *,
          open_only: bool = False) -> QuerySet[TaTask]:
    found = TaTask.objects.filter(readable(acting)).select_related("cbo", "owner", "fund")
    if cbo is not None:
        found = found.filter(cbo=cbo)
    if open_only:
        found = found.exclude(status=TaStatus.DONE)
    return found


def get_task(acting: Acting, pk: int) -> TaTask:
    found = tasks(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def funds(acting: Acting, cbo: Organisation | None = None) -> QuerySet[CapacityFund]:
    found = CapacityFund.objects.filter(readable(acting)).select_related("cbo", "contract")
    return found.filter(cbo=cbo) if cbo is not None else found


def get_fund(acting: Acting, pk: int) -> CapacityFund:
    found = funds(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


# -- fund progress ----------------------------------------------------------------------
@dataclass
class MilestoneRow:
    task: TaTask
    amount: Decimal
    reached: date | None
    paid: Decimal
    source: str  # where `paid` comes from, in words


@dataclass
class FundProgress:
    fund: CapacityFund
    in_effect: bool
    rows: list[MilestoneRow]

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    @property
    def reached(self) -> Decimal:
        return sum((r.amount for r in self.rows if r.reached), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid


def _settled_preview(contract: Contract, period: str) -> dict[str, Decimal]:
    """What the engine pays the contract's milestones in `period` when no statement is
    issued yet: label -> amount. Empty when it cannot settle (not in effect, no terms)."""
    try:
        activity = load_activity(build_activity(contract.code, period, plan=contract.payer))
    except (PeriodError, ActivityError):
        return {}
    with scopes_disabled():
        version: TermsVersion | None = terms_version_in_force(
            contract, date.fromisoformat(f"{period}-01"))
    if version is None:
        return {}
    try:
        result = engine.settle(load_terms(version.document), activity)
    except (TermsError, engine.SettlementError):
        return {}
    out: dict[str, Decimal] = {}
    for line in result.lines:
        out[line.label] = out.get(line.label, ZERO) + line.amount
    return out


def fund_progress(fund: CapacityFund) -> FundProgress:
    """Each milestone: amount, day reached, and paid: from the contract's issued
    statements of the month it was reached when there are any, else what the engine's
    settlement of that month pays (not yet issued)."""
    contract = fund.contract
    with scopes_disabled():
        in_effect = (ContractParty.objects.filter(contract=contract, status="accepted",
                                                  role__in=[PartyRole.PAYER, PartyRole.PROVIDER])
                     .count() == 2)
        issued_periods = set(Statement.objects.filter(contract=contract)
                             .values_list("period", flat=True))
        paid_lines = dict(StatementLine.objects.filter(statement__contract=contract)
                          .values("label").annotate(total=Sum("amount"))
                          .values_list("label", "total"))
    previews: dict[str, dict[str, Decimal]] = {}
    rows = []
    for task in fund.milestones.order_by("pk"):  # the order they were given in
        amount = task.milestone_amount or ZERO
        label = f"Milestone {task.title}"
        paid, source = ZERO, "not reached"
        if task.status == TaStatus.DONE and task.done_on:
            period = task.done_on.strftime("%Y-%m")
            if period in issued_periods:
                paid = (paid_lines.get(label) or ZERO) + (paid_lines.get(f"Adjustment: {label}")
                                                          or ZERO)
                source = f"issued statement {period}"
            elif in_effect:
                if period not in previews:
                    previews[period] = _settled_preview(contract, period)
                paid = previews[period].get(label, ZERO)
                source = f"settlement of {period}, not yet issued"
            else:
                source = "the CBO has not yet accepted the contract"
        rows.append(MilestoneRow(task, amount, task.done_on if task.status == TaStatus.DONE
                                 else None, paid, source))
    return FundProgress(fund, in_effect, rows)


# -- contract readiness -------------------------------------------------------------------
@dataclass
class ContractCbo:
    cbo: Organisation
    billing_now: str
    billing_next: str
    next_from: date | None
    assessment: ReadinessAssessment | None
    open_tasks: list[TaTask]
    warnings: list[str]


def contract_for(acting: Acting, code: str) -> Contract:
    """A contract the acting hub provides or plan pays (accepted), or 404."""
    if not acting.has_role(*HUB, *PLAN):
        raise Http404("Not found")
    with scopes_disabled():
        party = ContractParty.objects.filter(
            contract__code=code, organisation=acting.organisation, status="accepted",
            role__in=[PartyRole.PAYER, PartyRole.PROVIDER]).select_related("contract").first()
    if party is None:
        raise Http404("Not found")
    return party.contract


def contract_readiness(acting: Acting, contract: Contract, today: date) -> list[ContractCbo]:
    """The contract's delivering CBOs: billing mode now (terms in force today) and under
    its latest version, latest readiness, open TA tasks, and a warning in words for a
    CBO moving to claims below "ready" in billing or data."""
    with scopes_disabled():
        now = terms_version_in_force(contract, today)
        newest = contract.terms_versions.order_by("-version").first()
        cbos = list(Organisation.objects.filter(
            pk__in=ContractParty.objects.filter(contract=contract, role__in=DELIVERING)
            .values("organisation_id")).order_by("name"))
    terms_now = _terms(now)
    terms_next = _terms(newest)
    hub_id = contract.provider_id
    out = []
    for cbo in cbos:
        billing_now = terms_now.billing_for(cbo.slug) if terms_now else "no terms"
        billing_next = terms_next.billing_for(cbo.slug) if terms_next else billing_now
        with scopes_disabled():
            found = (ReadinessAssessment.objects.filter(cbo=cbo, hub_id=hub_id)
                     .order_by("-assessed_on", "-pk").first())
            open_tasks = list(TaTask.objects.filter(cbo=cbo, hub_id=hub_id)
                              .exclude(status=TaStatus.DONE).order_by("due", "pk"))
        warnings = []
        if billing_next == "claims":
            if found is None:
                warnings.append(f"{cbo.name} moves to claims but has no readiness "
                                "assessment yet.")
            else:
                for key in questions.CLAIMS_DOMAINS:
                    score = int(found.by_domain.get(key, 0))
                    word = questions.level(score)
                    if word != questions.READY:
                        warnings.append(
                            f"{cbo.name} moves to claims but scores {score}% in "
                            f"{questions.BY_KEY[key].label.lower()} ({word}), below ready "
                            f"(80%).")
        out.append(ContractCbo(cbo, billing_now, billing_next,
                               newest.effective if newest and billing_next != billing_now
                               else None, found, open_tasks, warnings))
    return out


def _terms(version: TermsVersion | None):  # type: ignore[no-untyped-def]
    if version is None:
        return None
    try:
        return load_terms(version.document)
    except TermsError:
        return None


# -- resource library ---------------------------------------------------------------------
def documents(acting: Acting) -> QuerySet[ResourceDocument]:
    """The hub's own documents; for a CBO, the shared documents of the hubs whose network
    it has joined (accepted, not left)."""
    org = acting.organisation
    if acting.has_role(*HUB, Role.AUDITOR) and org.kind == OrganisationKind.HUB:
        return ResourceDocument.objects.filter(hub=org)
    if org.kind == OrganisationKind.CBO and acting.has_role(Role.CBO_SUPERVISOR,
                                                            Role.CBO_WORKER):
        return ResourceDocument.objects.filter(shared=True, hub__in=hubs_of_cbo(org))
    return ResourceDocument.objects.none()


def get_document(acting: Acting, pk: int) -> ResourceDocument:
    found = documents(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found

"""Two complete, unrelated sets of plan, hub and CBO for the cross-tenant walk.

Every row a page or API could show is present in each set: users in every role, members,
a contract with terms, service definitions, escalation levels and a staff credential,
a second contract the hub proposed and the plan has not yet accepted, a CBO the hub
invited that has not yet decided, an authenticator app for every user,
directory services and sites, referrals with events, notes, attempts, screenings,
consents, escalations, fund spending, pathways, visits and a ranked list, and the audit
events all of that wrote. Each set's names carry its marker, so a page of one set that
shows the other's marker has leaked.

Rows are made through the conftest helpers and the apps' services. Made directly (no
service writes them): the network and its membership, users' memberships and the first
member (all in `make_tenant`), the second member and its enrolment, the directory
service and site, the staff credential's object before `save_credential`, the invited
CBO and the users' authenticator apps.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.contracts import services as contract_services
from carehub.contracts.models import Contract, EscalationLevel, LifecycleTask, StaffCredential
from carehub.jobs.services import start_job
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.network import services as network_services
from carehub.network.models import Location, Service, ServiceType
from carehub.portal import services as portal_services
from carehub.referrals import services as referral_services
from carehub.referrals.models import Consent, Escalation, PathwayStep, RankedList, Referral
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Membership, NetworkMember
from tests.integration.conftest import Tenant, acting_as, make_org, make_tenant, signed_in
from tests.integration.contracts.factories import make_contract
from tests.integration.contracts.test_contracts import terms_text
from tests.integration.jobs.sample_tasks import count_task

FUNDS = """
  - id: funds
    type: flexible_funds
    label: Flexible funds
    mlr: medical
    per_member: "100.00"
    per: term
    categories: [utilities, groceries]
"""


@dataclass
class World:
    """One set: the tenant of conftest plus every object the pages and API reach."""

    marker: str
    tenant: Tenant
    contract: Contract
    task: LifecycleTask
    credential: StaffCredential
    service: Service
    site: Location
    referral: Referral
    second_referral: Referral
    member2: Member
    step: PathwayStep
    escalation: Escalation
    consent: Consent
    ranked_list: RankedList
    proposed: Contract  # proposed by the hub, not yet accepted by the plan
    invitation: NetworkMember  # the hub's invitation to a CBO that has not yet decided
    statement: Any = None  # a statement issued for the hub's contract
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def users(self) -> dict[str, Any]:
        return self.tenant.users

    @property
    def hsds_org_id(self) -> str:
        from carehub.network.hsds import profile_for

        with scopes_disabled():
            return str(profile_for(self.tenant.cbo).id)


def _terms(code: str) -> str:
    text = terms_text(code)
    head, sep, tail = text.partition("components:\n")
    return head + sep + FUNDS.lstrip("\n") + tail


def make_world(marker: str) -> World:
    """Build one complete set whose every name carries `marker`."""
    t = make_tenant(marker)
    hub_admin, coord = t.users["hub_admin"], t.users["hub_coordinator"]
    worker, supervisor = t.users["cbo_worker"], t.users["cbo_supervisor"]
    code = f"{marker.upper()}-MEALS"
    contract = make_contract(t, code=code, complete=True)
    proposed = make_contract(t, code=f"{marker.upper()}-RIDES", accepted=False)
    with scopes_disabled():
        # Operating with its BAA signed: the rules at the door let its referrals in.
        Contract.objects.filter(pk=contract.pk).update(name=f"{marker} meals contract",
                                                       stage="implementation",
                                                       baa_signed_on=date(2026, 1, 1))
        contract.refresh_from_db()
        # An operating contract near its end gets its renewal task on the first page view;
        # made here, so the walk's GETs change nothing.
        contract_services.ensure_renewal_task(contract, timezone.localdate(),
                                              acting=acting_as(hub_admin))
        Contract.objects.filter(pk=proposed.pk).update(name=f"{marker} rides proposal")
        proposed.refresh_from_db()
        # Every user has set up an authenticator app, so a second-factor reset would
        # remove a row the digest sees.
        for user in t.users.values():
            TOTPDevice.objects.get_or_create(user=user, confirmed=True,
                                             defaults={"name": f"{marker} app"})
        garden = make_org("cbo", f"{marker} Garden")
        invitation = portal_services.invite_cbo(garden, acting=Acting.of(
            hub_admin, Membership.objects.get(user=hub_admin, organisation=t.hub)))
        # The plan lets its hub upload ranked lists (the upload below needs it).
        contract_services.set_hub_may_upload(contract, True,
                                             acting=acting_as(t.users["payer_manager"]))
        contract_services.add_terms_version(contract, _terms(code), note=f"{marker} first terms",
                                            acting=acting_as(hub_admin))
        EscalationLevel.objects.get_or_create(contract=contract, level=2, defaults={
            "organisation": t.payer, "role": "payer_manager", "response_hours": 48})
        task = contract_services.add_task(contract, LifecycleTask(
            contract=contract, stage="pre_launch", kind="general", title=f"{marker} kickoff task",
            owner_role="hub_admin", due=date(2026, 2, 1)), acting=acting_as(hub_admin))
        credential = contract_services.save_credential(StaffCredential(
            organisation=t.cbo, staff=worker, kind="training", name=f"{marker} HIPAA training",
            identifier=f"{marker}-CRED-1", issued=date(2026, 1, 1), expires=date(2027, 1, 1)),
            acting=acting_as(supervisor))

        nutrition = ServiceType.objects.get(slug="nutrition")
        service = network_services.save_service(Service(
            organisation=t.cbo, service_type=nutrition, name=f"{marker} Meals",
            description=f"{marker} kitchen meals", coverage_counties=["Erie, NY"],
            languages=["English"]), {}, acting=acting_as(supervisor))
        site = network_services.save_location(Location(
            organisation=t.cbo, name=f"{marker} Kitchen", address_1="1 Main St", city="Buffalo",
            state_province="NY", postal_code="14213"), acting=acting_as(supervisor))
        network_services.set_services_at_location(site, [service], acting=acting_as(supervisor))

        member2 = Member.objects.create(
            plan=t.payer, member_id=f"{marker}-M2", first_name="Bo", last_name=f"{marker}second",
            birth_date=date(1948, 7, 9), sex="M", product="dsnp", county="Erie, NY")
        EnrolmentSpan.objects.create(member=member2, start=date(2025, 1, 1))
        MemberAccess.objects.create(member=member2, organisation=t.payer, reason="plan")

        referral = referral_services.create_referral(
            member=t.member, organisation=t.cbo, hub=t.hub, service_code="HDM",
            contract_code=code, acting=acting_as(coord, t.hub), assignee=worker)
        referral_services.record_attempt(referral, referral.version, channel="phone",
                                         outcome="reached", acting=acting_as(worker, t.cbo),
                                         note=f"{marker} attempt note")
        referral = Referral.objects.get(pk=referral.pk)
        referral_services.record_screening(referral, {"88122-7": "LA28397-0"}, language="en",
                                           acting=acting_as(worker, t.cbo))
        referral_services.add_note(referral, text=f"{marker} case note", acting=acting_as(worker, t.cbo))
        consent = referral_services.record_consent(
            t.member, kind="data_sharing", scope=f"{marker} consent scope", given_on=date(2026, 1, 2),
            expires_on=None, acting=acting_as(worker, t.cbo))
        escalation = referral_services.raise_escalation(
            referral, barrier="transportation", description=f"{marker} escalation", acting=acting_as(worker, t.cbo))
        referral_services.spend_funds(referral, category="groceries", amount="20.00",
                                      on=date(2026, 3, 1), receipt=f"{marker}-R1", acting=acting_as(worker, t.cbo))
        pathway = referral_services.start_pathway(
            referral, pathway="food", steps=[f"{marker} step one", f"{marker} step two"],
            acting=acting_as(worker, t.cbo))
        step = pathway.steps.order_by("position").first()
        assert step is not None
        referral_services.record_visit(referral, on=date(2026, 3, 2), kind="home_visit",
                                       acting=acting_as(worker, t.cbo),
                                       note=f"{marker} visit note")
        referral = Referral.objects.get(pk=referral.pk)

    # The ranked list goes through the upload page, as a hub coordinator sends it.
    body = f"member_id,rank,selected,reasons\n{member2.member_id},1,true,{marker} high risk\n"
    response = signed_in(coord).post("/referrals/upload/", {
        "kind": "ranked", "plan": t.payer.pk, "contract_code": code, "service_code": "HDM",
        "hub": t.hub.pk, "assign": "on",
        "file": SimpleUploadedFile("ranked.csv", body.encode(), content_type="text/csv")})
    from tests.integration.kinds.helpers import finish

    job = finish(response)  # the import runs as a job; here, as a worker would run it
    assert job.status == "succeeded", (job.message, job.errors)
    statement = _settled(t, contract)
    with scopes_disabled():
        from carehub.network.hsds import profile_for

        # HSDS profiles are made on first read; make them now so reads write nothing.
        for org in (t.payer, t.hub, t.cbo):
            profile_for(org)
        ranked = RankedList.objects.get(plan=t.payer)
        second = Referral.objects.get(member=member2)
    # A job the hub's coordinator started (waiting: no worker runs in the walk).
    job = start_job(count_task, kind="test.count", title=f"{marker} count job",
                     acting=acting_as(coord, t.hub), params={"n": 3}, total=3)
    # Everyone has a notification of their own (the referrals above told some already).
    from carehub.notifications.kinds import Kind
    from carehub.notifications.services import notify

    notify(Kind.JOB_FINISHED, users=list(t.users.values()), title=f"{marker} export: finished",
           link="/", acting=Acting.system(t.hub))
    world = World(marker=marker, tenant=t, contract=contract, task=task, credential=credential,
                  service=service, site=site, referral=referral, second_referral=second,
                  member2=member2, step=step, escalation=escalation, consent=consent,
                  ranked_list=ranked, proposed=proposed, invitation=invitation,
                  extras={"job": job},
                  statement=statement)
    world.extras.update(eligibility(world))
    world.extras.update(billing(world))
    world.extras.update(review(world))
    world.extras.update(readiness(world))
    from tests.security.world_voice import voice

    world.extras.update(voice(world))
    from tests.security.world_joc import joc

    world.extras.update(joc(world))
    from tests.security.world_roi import roi

    world.extras.update(roi(world))
    from tests.security.world_fhir import fhir

    world.extras.update(fhir(world))
    from tests.security.world_exchange import exchange

    world.extras.update(exchange(world))
    from tests.security.world_export import export

    world.extras.update(export(world))
    return world


def review(w: World) -> dict[str, Any]:
    """The plan approves the bill, the hub posts the plan's 835 for it and pays the CBO."""
    from datetime import datetime
    from decimal import Decimal

    from carehub.billing.services import payouts, remittance
    from carehub.billing.services import review as decisions
    from carehub.core.billing.claims import Party
    from carehub.core.billing.x12_835 import ClaimPayment, Remittance, write_835

    t = w.tenant
    bill = w.extras["bill"]
    with scopes_disabled():
        decisions.decide(bill, "approve", acting=acting_as(t.users["payer_manager"], t.payer))
        text = write_835(Remittance(
            trace_number=f"{w.marker}835", payment_total=bill.amount,
            payment_date=date(2026, 4, 20),
            payer=Party(name=t.payer.name, tin="12-3456789", contact_phone="5185550100",
                        address="1 Plan Way", city="Albany", state="NY", zip="12207"),
            payee=Party(name=t.hub.name, tin="98-7654321", address="2 Hub St",
                        city="Albany", state="NY", zip="12207"),
            claims=(ClaimPayment(claim_id=bill.number, status="1", charged=bill.amount,
                                 paid=bill.amount, patient_responsibility=Decimal("0.00"),
                                 payer_control_number="PCN1", member_id=bill.number,
                                 patient_last_name="Invoice"),)),
            sender_id="PLANSENDER", receiver_id="HUBRECEIVER", interchange_control_number=11,
            created=datetime(2026, 4, 20, 9, 0))
        hub_admin = acting_as(t.users["hub_admin"], t.hub)
        posted = remittance.post_835(text, f"{w.marker}.835", acting=hub_admin)
        [payout] = payouts.issue_payouts(w.contract, "2026-03", acting=hub_admin)
    return {"remittance": posted.remittance, "payout": payout}


def billing(w: World) -> dict[str, Any]:
    """A month of bill lines (one failing, one submitted on an invoice) and a fee schedule
    of the hub's own."""
    from datetime import datetime

    from carehub.billing.models import BillLine
    from carehub.billing.services import fee_schedules, lines, submissions
    from carehub.referrals.models import ServiceDelivery

    t = w.tenant
    hub_admin = acting_as(t.users["hub_admin"], t.hub)
    with scopes_disabled():
        deliveries = [ServiceDelivery.objects.create(
            referral=w.referral, member=t.member, organisation=t.cbo, contract=w.contract,
            contract_code=w.contract.code, service_code="HDM", date=date(2026, 3, day),
            units=1, setting="home", note=f"{w.marker} delivery note",
            at=datetime(2026, 3, day, tzinfo=UTC)) for day in (3, 4)]
        lines.build_lines(w.contract, "2026-03", hub_admin)
        BillLine.objects.filter(delivery=deliveries[0]).update(status="ready", failures=[])
        result = submissions.submit_month(w.contract, "2026-03", hub_admin)
        submission = result.submissions[0]
        schedule = fee_schedules.upload_schedule(
            name=f"{w.marker.lower()}-fees", filename="fees.csv", acting=hub_admin,
            text="service,code,modifiers,unit,rate,effective,ends,verification\n"
                 f"{w.marker} meal,S5170,U1,meal,7.35,2026-01-01,,verified\n")
        return {"bill_line": BillLine.objects.get(delivery=deliveries[1]),
                "submission": submission, "bill": submission.bill_set.get(),
                "fee_schedule": schedule}


def _settled(t: Tenant, contract: Contract) -> Any:
    """A statement issued for the hub's contract (October 2026), billed as claims from
    then on (a terms amendment), so that it carries member lines."""
    from carehub.billing.services.statements import issue_statement
    from carehub.contracts.models import TermsVersion
    from carehub.tenancy.access import Acting

    with scopes_disabled():
        first = TermsVersion.objects.filter(contract=contract).order_by("version").first()
        assert first is not None
        TermsVersion.objects.create(contract=contract, version=first.version + 1,
                                    effective=date(2026, 10, 1),
                                    document={**first.document, "billing": "claims"},
                                    source_text=first.source_text, note="billed as claims")
        return issue_statement(contract, "2026-10", acting=Acting.system(t.hub))


def eligibility(w: World) -> dict[str, Any]:
    """The plan's dataset, criteria, a finished run and its hand-off to the hub."""
    import tempfile
    from pathlib import Path

    from carehub.contracts.models import ServiceDefinition
    from carehub.jobs.runner import run_job
    from carehub.population import services as population
    from carehub.population.tasks import eligibility_body
    from tests.integration.population.conftest import Upload

    t, marker = w.tenant, w.marker
    manager = acting_as(t.users["payer_manager"], t.payer)
    roster = ("member_id,birth_date,race,ethnicity,language,county,zip,product,pcp_npi,"
              "risk_score,enroll_start,enroll_end,hospice\n"
              f"{t.member.member_id},1950-05-01,,,,\"Erie, NY\",14201,medicare_advantage,,"
              "2.1,2025-01-01,,false\n"
              f"{w.member2.member_id},1948-07-09,,,,\"Erie, NY\",14201,dsnp,,1.4,2025-01-01,,false\n")
    claims = ("claim_id,member_id,setting,service_from,service_to,diagnosis_codes,"
              f"allowed_amount\nC1,{t.member.member_id},outpatient,2026-01-05,2026-01-05,"
              "I50.9,10.00\n")
    folder = Path(tempfile.mkdtemp(prefix=f"world-{marker}-"))
    (folder / "roster.csv").write_text(roster)
    (folder / "claims.csv").write_text(claims)
    with scopes_disabled():
        dataset = population.upload_dataset(
            t.payer, name=f"{marker} extract", acting=manager,
            roster=Upload(folder / "roster.csv"),  # type: ignore[arg-type]
            claims=Upload(folder / "claims.csv"))  # type: ignore[arg-type]
        criteria = population.save_criteria(
            t.payer, name=f"{marker}-criteria", acting=manager,
            text="as_of: 2026-03-01\nrequire: {age: {min: 65}}\n")
        run = population.start_run(t.payer, dataset=dataset, criteria_set=criteria,
                                   acting=manager)
    assert run_job(str(run.job_id), eligibility_body)["status"] == "succeeded"
    with scopes_disabled():
        run.refresh_from_db()
        service = ServiceDefinition.objects.get(contract=w.contract, code="HDM")
        handoff = population.hand_to_hub(run, hub=t.hub, contract=w.contract, service=service,
                                         top=None, acting=manager)
    return {"dataset": dataset, "criteria": criteria, "run": run, "handoff": handoff}


def parquet_bytes(columns: dict[str, list[Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def readiness(w: World) -> dict[str, Any]:
    """The hub assesses its CBO, plans a TA task, funds it (the CBO accepts the fund's
    contract) and shares a library document."""
    from decimal import Decimal

    from carehub.contracts.services import decide_contract
    from carehub.reporting import readiness_questions as questions
    from carehub.reporting.services import readiness as service

    t = w.tenant
    hub_admin = acting_as(t.users["hub_admin"], t.hub)
    answers = {key: (1, "") for key in questions.QUESTION_DOMAIN}
    with scopes_disabled():
        assessment = service.record_assessment(t.cbo, date(2026, 2, 1), answers,
                                               acting=hub_admin)
        task = service.add_task(t.cbo, f"{w.marker} TA task", acting=hub_admin)
        fund = service.create_fund(
            t.cbo, f"{w.marker} capacity", [service.MilestonePlan("Live", Decimal("100.00"))],
            starts=date(2026, 1, 1), ends=date(2026, 12, 31), acting=hub_admin)
        decide_contract(fund.contract, True,
                        acting=acting_as(t.users["cbo_supervisor"], t.cbo))
        document = service.save_document(f"{w.marker} guide", "guide", text="walked",
                                         acting=hub_admin)
    return {"assessment": assessment, "ta_task": task, "fund": fund, "document": document}

"""Every URL pattern and API operation, and how the walk reaches the other set through it.

`DOORS` maps each Django URL pattern (as `django.urls` spells it) to a `Door`;
`OPERATIONS` maps each API operation ("METHOD /path" as the OpenAPI document spells it)
to one. A new pattern or operation without an entry fails `test_every_door_is_walked`.

Kinds of door:
  object  names one of the other set's objects: GET and POST answer 404 and change nothing.
  page    a list or form of the acting organisation: GET shows none of the other set's
          names; a POST whose body names the other set's objects is refused (no change).
  public  needs no organisation (sign-in pages): shows none of the other set's names.
  api     the API's own patterns: walked as OPERATIONS.
  fhir    the FHIR API under /fhir/ (token endpoint, metadata, resources): no session
          reaches it; it is walked with partner tokens of the other set by the tests in
          tests/integration/fhir/ (`why` names them).
Factories take (other, own) and return the URL kwargs (a list: each is walked).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django_scopes import scopes_disabled

from tests.security.world import World

Kwargs = Callable[[World, World], list[dict[str, Any]]]
Body = Callable[[World, World], dict[str, Any]]


@dataclass(frozen=True)
class Door:
    kind: str
    kwargs: Kwargs | None = None
    body: Body | None = None  # POST data; None: the door is not POSTed (see `why`)
    query: tuple[str, ...] = ("",)  # query strings for GETs of pages and lists
    why: str = ""


def _none(other: World, own: World) -> list[dict[str, Any]]:
    return [{}]


def everything(other: World, own: World) -> dict[str, Any]:
    """One body with a valid value for every action form, all aimed at `other`'s rows.

    A view that let it through would write, and the digest comparison would see it.
    """
    r = other.referral
    return {
        "version": r.version, "target": "contacted", "close_reason": "", "note": "walked",
        "channel": "phone", "outcome": "reached", "text": "walked", "barrier": "other",
        "description": "walked", "category": "groceries", "amount": "1.00",
        "date": "2026-03-03", "receipt": "W-1", "pathway": "food", "steps": "one",
        "kind": "home_visit", "service_code": "HDM", "units": "1", "setting": "home",
        "organisation": other.tenant.cbo.pk, "resolution": "walked", "scope": "walked",
        "given_on": "2026-01-01", "do_not_contact": "on", "done": "1", "stage": "scoping",
        "capacity_status": "not_accepting", "waitlist_length": "3", "name": "walked",
        "title": "walked", "owner_role": "hub_admin", "due": "2026-05-01", "lang": "en",
        "worker": other.users["cbo_worker"].pk, "assignee": other.users["cbo_worker"].pk,
        "88122-7": "LA28397-0", "member_id": other.tenant.member.member_id,
        "plan": other.tenant.payer.pk, "hub": other.tenant.hub.pk, "domain": "food",
        "contract_code": other.contract.code, "is_active": "on", "admin_fee_percent": "1.00",
        "username": "walked-user", "role": "cbo_worker", "staff": other.users["cbo_worker"].pk,
        "identifier": "W-1", "issued": "2026-01-01", "expires": "2027-01-01",
        "terms_text": "", "legal_name": "Walked Inc.",
        # Accepting another's proposal or invitation, stopping its hub's uploads,
        # resetting its people's second factor.
        "decision": "accept", "allowed": "0", "reason": "walked",
    }


def _referral(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.referral.pk}, {"pk": o.second_referral.pk}]


def _ranked_list(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.ranked_list.pk}]


def _settle_body(o: World, own: World) -> dict[str, Any]:
    return {"contract": o.contract.pk, "period": "2026-10"}


def _statement(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.statement.pk}]


def _statement_file(o: World, own: World) -> list[dict[str, Any]]:
    return [{**k, "fmt": fmt} for k in _statement(o, own) for fmt in ("json", "csv")]


def _member(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.tenant.member.pk}, {"pk": o.member2.pk}]


def _bill_line(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["bill_line"].pk}]


def _submission(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["submission"].pk}]


def _bill(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["bill"].pk}]


def _remittance(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["remittance"].pk}]


def _payout(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["payout"].pk}]


def _payout_files(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["payout"].pk, "fmt": fmt} for fmt in ("pdf", "csv")]


def _decision_body(o: World, own: World) -> dict[str, Any]:
    return {"action": "deny", "reason_code": "O1", "note": "walked", "answer": "walked",
            "paid_on": "2026-04-21", "payment_reference": "walked"}


def _fee_schedule(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["fee_schedule"].pk}]


def _billing_month_body(o: World, own: World) -> dict[str, Any]:
    return {"contract": o.contract.pk, "period": "2026-03"}


def _contract_billing_body(o: World, own: World) -> dict[str, Any]:
    return {"contract": o.contract.pk, "fee_schedule": o.extras["fee_schedule"].pk,
            "timely_filing_days": "30", "eligible_products": ""}


def _job(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.extras["job"].pk}]


def _leaving_choice(o: World, own: World) -> list[dict[str, Any]]:
    return [{"departure": 1, "pk": o.referral.pk}]


def _code(o: World, own: World) -> list[dict[str, Any]]:
    return [{"code": o.contract.code}]


def _task(o: World, own: World) -> list[dict[str, Any]]:
    # The other's task under its own contract, and under the acting set's contract.
    return [{"code": o.contract.code, "pk": o.task.pk}, {"code": own.contract.code, "pk": o.task.pk}]


def _orgs(o: World, own: World) -> list[dict[str, Any]]:
    t = o.tenant
    return [{"pk": t.cbo.pk}, {"pk": t.hub.pk}, {"pk": t.payer.pk}]


def _membership(o: World, own: World) -> list[dict[str, Any]]:
    from carehub.tenancy.models import Membership

    with scopes_disabled():
        return [{"pk": m.pk} for m in Membership.objects.filter(
            user__in=[o.users["cbo_worker"], o.users["hub_coordinator"]])]


def _users(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": user.pk} for user in o.users.values()]


def _contracts(o: World, own: World) -> list[dict[str, Any]]:
    # In effect, and proposed but not yet accepted (only this one could be decided).
    return [{"code": o.contract.code}, {"code": o.proposed.code}]


def _invitation(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.invitation.pk}]


def _service(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.service.pk}]


def _site(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.site.pk}]


def _step(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.step.pk}]


def _escalation(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.escalation.pk}]


def _consent(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.consent.pk}]


def _notification(o: World, own: World) -> list[dict[str, Any]]:
    from carehub.notifications.models import Notification

    # The other set's people's own: a worker's and a supervisor's.
    return [{"pk": Notification.objects.filter(recipient=o.users[role]).order_by("pk")
             .values_list("pk", flat=True)[0]} for role in ("cbo_worker", "cbo_supervisor")]


def _credential(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.credential.pk}]


def _refer_body(o: World, own: World) -> dict[str, Any]:
    """The referral forms' pickers, every one aimed at the other set."""
    from carehub.contracts.models import ServiceDefinition

    with scopes_disabled():
        service = ServiceDefinition.objects.filter(contract=o.contract).first()
    return {"member": o.tenant.member.pk, "contract": o.contract.pk,
            "service": service.pk if service else 0, "organisation": o.tenant.cbo.pk,
            "override_reason": "walked", "service_type": "nutrition",
            "member_id": o.tenant.member.member_id, "contract_code": o.contract.code,
            "service_code": "HDM", "hub": o.tenant.hub.pk}


def _bulk_assign_body(o: World, own: World) -> dict[str, Any]:
    """The other set's referral, ticked, given to the other set's worker."""
    return {"referral": f"{o.referral.pk}:{o.referral.version}",
            "worker": o.users["cbo_worker"].pk}


def _contract_body(o: World, own: World) -> dict[str, Any]:
    return {"code": "WALKED-1", "name": "walked", "payer": o.tenant.payer.pk,
            "provider": o.tenant.hub.pk, "delivering_cbos": [o.tenant.cbo.pk],
            "starts": "2026-01-01", "ends": "2026-12-31", "renewal_notice_months": "3",
            "max_outreach_attempts": "3"}


def _credential_body(o: World, own: World) -> dict[str, Any]:
    return {"staff": o.users["cbo_worker"].pk, "kind": "training", "name": "walked",
            "identifier": "W-1", "issued": "2026-01-01", "expires": "2027-01-01"}


def _service_body(o: World, own: World) -> dict[str, Any]:
    from carehub.network.models import ServiceType

    return {"organisation": o.tenant.cbo.pk, "name": "walked service",
            "service_type": ServiceType.objects.get(slug="nutrition").pk,
            "status": "active", "capacity_status": "accepting", "languages": "English",
            "coverage_counties": "Erie, NY"}


def _site_body(o: World, own: World) -> dict[str, Any]:
    return {"organisation": o.tenant.cbo.pk, "name": "walked site", "address_1": "2 Main St",
            "city": "Buffalo", "state_province": "NY", "postal_code": "14213",
            "location_type": "physical", "services": [o.service.pk]}


def _extra(name: str) -> Kwargs:
    def kwargs(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras[name].pk}]

    return kwargs


def _run_body(o: World, own: World) -> dict[str, Any]:
    """The other plan's dataset and criteria, and its hub, contract and service."""
    return {"dataset": o.extras["dataset"].pk, "criteria": o.extras["criteria"].pk,
            "hub": o.tenant.hub.pk, "contract": o.contract.pk, "top": "1"}


# The upload door's bodies are built in the test (they carry files).
UPLOAD = "referrals/upload/"

def _formats(o: World, own: World) -> list[dict[str, Any]]:
    return [{"fmt_name": "csv"}, {"fmt_name": "xlsx"}]


def _with_formats(kwargs: Kwargs) -> Kwargs:
    def both(o: World, own: World) -> list[dict[str, Any]]:
        return [{**k, "fmt_name": f} for k in kwargs(o, own) for f in ("csv", "xlsx")]

    return both


def _cbo(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.tenant.cbo.pk}]


def _cbo_tables(o: World, own: World) -> list[dict[str, Any]]:
    return [{"pk": o.tenant.cbo.pk, "table": table, "fmt_name": "csv"}
            for table in ("history", "tasks")]


def _contract_code(o: World, own: World) -> list[dict[str, Any]]:
    return [{"code": o.contract.code}]


def _shipped(o: World, own: World) -> list[dict[str, Any]]:
    return [{"key": "contract-template"}, {"key": "capitation"}]


def _assessment_body(o: World, own: World) -> dict[str, Any]:
    from carehub.reporting.readiness_questions import QUESTION_DOMAIN

    return {"assessed_on": "2026-03-03", **{f"q_{key}": "2" for key in QUESTION_DOMAIN}}


def _fund_body(o: World, own: World) -> dict[str, Any]:
    return {"purpose": "walked", "starts": "2026-01-01", "ends": "2026-12-31",
            "milestones": "Walked; 10.00"}
def _voice_doors() -> dict[str, Door]:
    def council(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["voice_council"].pk}]

    def files(o: World, own: World) -> list[dict[str, Any]]:
        return [{"fmt": fmt} for fmt in ("csv", "xlsx")]

    def council_files(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["voice_council"].pk, "fmt": fmt} for fmt in ("csv", "xlsx")]

    def body(o: World, own: World) -> dict[str, Any]:
        """Every voice form's fields, naming the other set's rows."""
        return {"name": "walked", "minimum_share": "51", "counts": "consumers",
                "contract": o.contract.pk, "joined_on": "2026-03-01", "consumer": "on",
                "held_on": "2026-03-01", "attendance": o.extras["voice_member"].pk,
                f"leave-{o.extras['voice_member'].pk}-left_on": "2026-03-01",
                "owner": o.tenant.hub.pk, "source": "member", "topic": "walked",
                "text": "walked", "received_on": "2026-03-01",
                "member_id": o.tenant.member.member_id,
                "council_member": o.extras["voice_member"].pk,
                "council_members": o.extras["voice_member"].pk,
                "meeting": o.extras["voice_meeting"].pk,
                "touch_point": o.extras["voice_touch_point"].pk, "cbo": o.tenant.cbo.pk,
                "questions": "walked", "channel": "survey", "asked_by": "walked",
                "confirm": "True", "disposition": "not_incorporated", "why": "walked",
                "answer": "walked", "answered_on": "2026-03-02"}

    def member(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["voice_council"].pk, "member": o.extras["voice_member"].pk},
                {"pk": own.extras["voice_council"].pk, "member": o.extras["voice_member"].pk}]

    item = _extra("voice_feedback")
    return {
        "reporting/voice/": Door("page", _none),
        "reporting/voice/councils/new/": Door("page", _none, body=body),
        "reporting/voice/councils.<str:fmt>": Door("page", files),
        "reporting/voice/councils/<int:pk>/": Door("object", council),
        "reporting/voice/councils/<int:pk>/members/": Door("object", council, body=body),
        "reporting/voice/councils/<int:pk>/members/<int:member>/leave/": Door(
            "object", member, body=body),
        "reporting/voice/councils/<int:pk>/meetings/": Door("object", council, body=body),
        "reporting/voice/councils/<int:pk>/members.<str:fmt>": Door("object", council_files),
        "reporting/voice/councils/<int:pk>/meetings.<str:fmt>": Door("object", council_files),
        "reporting/voice/feedback/": Door("page", _none, query=(
            "", "?source=member", "?unanswered=on&topic=feedback")),
        "reporting/voice/feedback/new/": Door("page", _none, body=body),
        "reporting/voice/feedback.<str:fmt>": Door("page", files),
        "reporting/voice/feedback/<int:pk>/": Door("object", item),
        "reporting/voice/feedback/<int:pk>/disposition/": Door("object", item, body=body),
        "reporting/voice/feedback/<int:pk>/answer/": Door("object", item, body=body),
        "reporting/voice/touch-points/": Door("page", _none),
        "reporting/voice/touch-points/new/": Door("page", _none, body=body),
        "reporting/voice/touch-points.<str:fmt>": Door("page", files),
    }


def _roi_doors() -> dict[str, Door]:
    def run_files(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["roi_run"].pk, "fmt": f} for f in ("csv", "xlsx")]

    def code_files(o: World, own: World) -> list[dict[str, Any]]:
        return [{"code": o.contract.code, "fmt": f} for f in ("csv", "xlsx")]

    def body(o: World, own: World) -> dict[str, Any]:
        """Every ROI and renewal form's fields, naming the other set's rows."""
        return {"dataset": o.extras["dataset"].pk,
                "baseline_months": "6", "follow_up_months": "6", "bootstrap": "100",
                "seed": "1", "paid": "10.00", "name": "walked", "counts": "service_units",
                "code": "HDM", "unit": "meals", "decision": "wind_down", "reasons": "walked",
                "transition_plan": "walked"}

    code = _contract_code
    return {
        "reporting/roi/": Door("page", _none),
        "reporting/roi/runs/<int:pk>/": Door("object", _extra("roi_run")),
        "reporting/roi/runs/<int:pk>/roi.<str:fmt>": Door("object", run_files),
        "reporting/roi/<str:code>/": Door("object", code),
        "reporting/roi/<str:code>/run/": Door("object", code, body=body),
        "reporting/roi/<str:code>/measures/": Door("object", code, body=body),
        "reporting/roi/<str:code>/social.<str:fmt>": Door("object", code_files),
        "reporting/renewal/": Door("page", _none),
        "reporting/renewal/<str:code>/": Door("object", code, body=body),
    }


def _joc_doors() -> dict[str, Door]:
    def committee(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["joc_committee"].pk}]

    def meeting(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["joc_meeting"].pk}]

    def files(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["joc_meeting"].pk, "fmt": fmt} for fmt in ("csv", "xlsx")]

    def action(o: World, own: World) -> list[dict[str, Any]]:
        # The other set's item through its meeting, and through the walker's own meeting.
        return [{"pk": o.extras["joc_meeting"].pk, "item": o.extras["joc_action"].pk},
                {"pk": own.extras["joc_meeting"].pk, "item": o.extras["joc_action"].pk}]

    def entry(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["joc_meeting"].pk, "entry": o.extras["joc_entry"].pk},
                {"pk": own.extras["joc_meeting"].pk, "entry": o.extras["joc_entry"].pk}]

    def body(o: World, own: World) -> dict[str, Any]:
        """Every JOC form's fields, naming the other set's rows."""
        return {"name": "walked", "contract": o.contract.pk, "cadence": "walked",
                "role": "administrative_lead", "user": o.tenant.users["hub_admin"].pk,
                "organisation": o.tenant.hub.pk, "starts_at": "2026-04-01T10:00",
                "period": "2026-03", "domains": "funnel", "member": o.tenant.member.pk,
                "members": o.tenant.member.pk, "told_by": "walked", "title": "walked",
                "text": "walked", "present": o.tenant.users["hub_admin"].pk,
                "owner": o.tenant.users["hub_admin"].pk, "owner_name": "walked",
                "due_on": "2026-05-01", "note": "walked", "follow_up": "walked"}

    def forms(name: str) -> Body:
        def one(o: World, own: World) -> dict[str, Any]:
            return {**body(o, own), "form": name}
        return one

    return {
        "reporting/joc/": Door("page", _none, body=body),
        "reporting/joc/<int:pk>/": Door("object", committee, body=forms("member")),
        "reporting/joc/meetings/<int:pk>/": Door("object", meeting),
        "reporting/joc/meetings/<int:pk>/prepare/": Door("object", meeting, body=forms("story")),
        "reporting/joc/meetings/<int:pk>/hold/": Door("object", meeting, body=forms("action")),
        "reporting/joc/meetings/<int:pk>/actions/<int:item>/close/": Door("object", action,
                                                                          body=body),
        "reporting/joc/meetings/<int:pk>/conference/<int:entry>/": Door("object", entry,
                                                                         body=body),
        "reporting/joc/meetings/<int:pk>/send/": Door("object", meeting, body=body),
        "reporting/joc/meetings/<int:pk>/pack/": Door("object", meeting),
        "reporting/joc/meetings/<int:pk>/pack/pdf/": Door("object", meeting, body=body),
        "reporting/joc/meetings/<int:pk>/pack.pdf": Door("object", meeting),
        "reporting/joc/meetings/<int:pk>/actions.<str:fmt>": Door("object", files),
        "reporting/joc/meetings/<int:pk>/barriers.<str:fmt>": Door("object", files),
    }


def _scorecard_doors() -> dict[str, Door]:
    """The scorecard: a contract's card, the members behind a figure and the downloads
    name the other set's contract by code (404); the list and the definitions are pages."""
    def card(o: World, own: World) -> list[dict[str, Any]]:
        return [{"code": o.contract.code}]

    def files(o: World, own: World) -> list[dict[str, Any]]:
        return [{"code": o.contract.code, "table": table, "fmt": fmt}
                for table in ("card", "trend", "split") for fmt in ("csv", "xlsx")]

    why = "read-only: the scorecard's pages change nothing"
    query = ("", "?period=2026-03", "?period=2026-03&by=race&view=committee")
    return {
        "reporting/scorecard/": Door("page", _none, why=why),
        "reporting/scorecard/<str:code>/": Door("object", card, query=query, why=why),
        "reporting/scorecard/<str:code>/members/": Door(
            "object", card, query=("?period=2026-03&measure=outreach_rate&stage=numerator",),
            why=why),
        "reporting/scorecard/<str:code>/download/<str:table>.<str:fmt>": Door(
            "object", files, query=("?period=2026-03&by=race",), why=why),
        "reporting/measures/": Door("page", _none, why=why),
    }


def _fhir_resource_doors() -> dict[str, Door]:
    from carehub.fhir.views.resources import RESOURCE_TYPES

    why = ("another organisation's partner token gets 404 on read, no entries in search, "
           "422 creating about a member it does not see: "
           "tests/integration/fhir/test_resources.py::test_another_organisation_gets_404")
    doors = {}
    for rtype in RESOURCE_TYPES:
        doors[f"fhir/{rtype}"] = Door("fhir", why=why)
        doors[f"fhir/{rtype}/<fhirid:logical_id>"] = Door("fhir", why=why)
    return doors


def _fhir_partner_doors() -> dict[str, Door]:
    """The hub administrator's partner-system pages (tests/security/world_fhir.py)."""
    from tests.security.world_fhir import PUBLIC_JWKS

    def body(o: World, own: World) -> dict[str, Any]:
        """A registration valid in every way but that it names the other set's CBO."""
        return {"organisation": o.tenant.cbo.pk, "name": f"{o.marker} walked",
                "role": "", "scope": ["Task.r", "Task.s"], "jwks": json.dumps(PUBLIC_JWKS)}

    partner = _extra("partner_system")
    return {
        "fhir/partners/": Door("page", _none),
        "fhir/partners/new/": Door("page", _none, body=body),
        "fhir/partners/<int:pk>/": Door("object", partner),
        "fhir/partners/<int:pk>/keys/": Door("object", partner, body=body),
        "fhir/partners/<int:pk>/revoke/": Door("object", partner, body=body),
    }


def _exchange_doors() -> dict[str, Door]:
    """The file exchange: a contract's data sets, one data set, deliveries and receipts."""
    def data_set(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["exchange_data_set"].pk}]

    def delivery(o: World, own: World) -> list[dict[str, Any]]:
        return [{"pk": o.extras["exchange_delivery"].pk}]

    def body(o: World, own: World) -> dict[str, Any]:
        """The data set form, naming the other set's contract party as counterparty."""
        return {"name": "walked", "kind": "member_list", "format": "csv",
                "cadence": "monthly", "due_days": "5", "starts": "2026-01-01",
                "transport": "folder", "counterparty": o.tenant.payer.pk, "sftp_port": "22",
                "active": "on"}

    return {
        "exchange/contracts/<str:code>/data-sets/": Door("object", _contract_code, body=body),
        "exchange/data-sets/<int:pk>/": Door("object", data_set),
        "exchange/data-sets/<int:pk>/edit/": Door("object", data_set, body=body),
        "exchange/deliveries/": Door("page", _none, query=("", "?status=refused",
                                                           "?sort=file")),
        "exchange/deliveries/<int:pk>/": Door("object", delivery),
        "exchange/deliveries/<int:pk>/receipt.csv": Door("object", delivery),
        "exchange/deliveries/<int:pk>/file/": Door("object", delivery),
    }


DOORS: dict[str, Door] = {
    # Sign-in pages need no organisation.
    "": Door("page", _none),
    "favicon.ico": Door("public", _none, why="a redirect to the static icon"),
    "accounts/login/": Door("public", _none, why="signs a user in as themselves"),
    "accounts/login/verify/": Door("public", _none, why="second factor of the pending user"),
    "accounts/login/enrol/": Door("public", _none, why="second factor of the pending user"),
    "accounts/logout/": Door("public", _none, why="POST ends the walking session"),
    "accounts/switch/": Door("page", _none, body=lambda o, own: {
        "membership": _membership(o, own)[0]["pk"]}),
    # One's own second factor: no object argument; the device is the signed-in user's.
    "accounts/security/": Door("page", _none, why="the signed-in user's own device"),
    "accounts/security/replace/": Door(
        "page", _none, why="starts replacing the signed-in user's own device (a POST with "
        "no code of it makes a new pending device of that user only)"),
    "accounts/security/new/": Door(
        "page", _none, why="the pending device is the one this session started, of the "
        "signed-in user; no request names another"),
    "accounts/people/<int:pk>/second-factor/": Door("object", _users, body=everything),
    # Organisations and users.
    "organisations/": Door("page", _none, query=("", "?q={other_marker}")),
    "organisations/network/": Door("page", _none, why="changes only the acting hub's network"),
    "organisations/new/": Door("page", _none, why="adds to the acting hub's network only"),
    # Inviting names an existing CBO, the other set's too, by design (BY_DESIGN in
    # test_cross_tenant.py): it joins only when it accepts. Naming the other's hub, which
    # is no CBO, is refused.
    "organisations/network/invite/": Door("page", _none, body=lambda o, own: {
        "cbo": o.tenant.hub.pk}),
    "organisations/networks/": Door("page", _none),
    "organisations/networks/<int:pk>/decide/": Door("object", _invitation, body=everything),
    "organisations/<int:pk>/": Door("object", _orgs, body=everything),
    "organisations/<int:pk>/users/new/": Door("object", _orgs, body=everything),
    "organisations/memberships/<int:pk>/toggle/": Door("object", _membership, body=everything),
    "audit/": Door("page", _none, query=("", "?page=2", "?q=quokka")),
    "members/": Door("page", _none, query=("", "?q={other_member_id}", "?q={other_marker}")),
    "members/<int:pk>/": Door("object", _member, body=everything),
    # The API's Django patterns; the operations are walked from OPERATIONS.
    "api/": Door("api"), "api/openapi.json": Door("public", _none), "api/docs": Door("public", _none),
    "api/me": Door("api"), "api/hsds/": Door("api"), "api/hsds/services": Door("api"),
    "api/hsds/services/<service_id>": Door("api"), "api/hsds/organizations": Door("api"),
    "api/hsds/organizations/<organization_id>": Door("api"),
    "api/hsds/service_at_locations": Door("api"), "api/referrals/referrals": Door("api"),
    "api/referrals/referrals/<pk>": Door("api"),
    # Directory.
    "network/": Door("page", _none, query=("", "?q={other_marker}", "?county=Erie%2C+NY")),
    "network/services/new/": Door("page", _none, body=_service_body),
    "network/services/<uuid:pk>/": Door("object", _service, body=everything),
    "network/services/<uuid:pk>/edit/": Door("object", _service, body=_service_body),
    "network/services/<uuid:pk>/capacity/": Door("object", _service, body=everything),
    "network/sites/": Door("page", _none),
    "network/sites/new/": Door("page", _none, body=_site_body),
    "network/sites/<uuid:pk>/edit/": Door("object", _site, body=_site_body),
    # Contracts.
    "contracts/": Door("page", _none, query=("", "?q={other_marker}", "?stage=scoping")),
    "contracts/new/": Door("page", _none, body=_contract_body),
    "contracts/plan-network/": Door("page", _none, query=("", "?q={other_marker}")),
    "contracts/credentials/": Door("page", _none, body=_credential_body),
    "contracts/credentials/<int:pk>/": Door("object", _credential, body=_credential_body),
    "contracts/<str:code>/": Door("object", _code, body=everything),
    "contracts/<str:code>/scope/": Door("object", _code, body=everything),
    "contracts/<str:code>/withdraw/": Door("object", _code, body=everything),
    "contracts/<str:code>/edit/": Door("object", _code, body=everything),
    "contracts/<str:code>/decide/": Door("object", _contracts, body=everything),
    "contracts/<str:code>/hub-uploads/": Door("object", _contracts, body=everything),
    "contracts/<str:code>/checklist/": Door("object", _code, body=everything),
    "contracts/<str:code>/stage/": Door("object", _code, body=everything),
    "contracts/<str:code>/tasks/": Door("object", _code, body=everything),
    "contracts/<str:code>/tasks/<int:pk>/": Door("object", _task, body=everything),
    "contracts/<str:code>/tasks/<int:pk>/edit/": Door("object", _task, body=everything),
    "contracts/<str:code>/terms/": Door("object", _code, body=everything),
    # Referrals: the acting organisation's lists and forms.
    "referrals/": Door("page", _none, query=("", "?all=1", "?q={other_member_id}")),
    "referrals/team/": Door("page", _none, query=("", "?q={other_member_id}")),
    "referrals/team/assign/": Door("page", _none, body=_bulk_assign_body),
    "referrals/hub/": Door("page", _none, body=_refer_body,
                           query=("", "?q={other_member_id}")),
    "referrals/plan/": Door("page", _none, query=("", "?q={other_member_id}")),
    "referrals/plan/progress.csv": Door("page", _none),
    "referrals/plan/refer/": Door("page", _none, body=_refer_body),
    "referrals/ranked/": Door("page", _none, query=("", "?q={other_marker}")),
    "referrals/ranked/<int:pk>/": Door("object", _ranked_list),
    "referrals/ranked/<int:pk>/assign/": Door("object", _ranked_list, body=everything),
    "referrals/settle/": Door("page", _none, body=_settle_body),  # sends to billing's
    "referrals/escalations/": Door("page", _none, query=("", "?page=2")),
    "referrals/leaving/": Door("page", _none),
    # The other set has no departure; test_leaving walks another hub's real departure.
    "referrals/leaving/<int:departure>/<int:pk>/": Door("object", _leaving_choice,
                                                        body=everything),
    "referrals/hub/new/": Door("page", _none, body=_refer_body, query=("", "?q=member")),
    "referrals/hub/needs-routing/": Door("page", _none, query=("", "?page=2")),
    "referrals/pickers/members/": Door("page", _none, query=("", "?q=member", "?q=M1")),
    "referrals/pickers/services/": Door("page", _none,
                                        query=("", *(f"?contract={n}" for n in range(1, 7)))),
    UPLOAD: Door("page", _none, why="POSTed with files by test_uploads_naming_the_other_set"),
    # Referrals: one of the other set's rows.
    "referrals/<int:pk>/": Door("object", _referral, body=everything),
    **{f"referrals/<int:pk>/{action}/": Door("object", _referral, body=everything)
       for action in ("transition", "attempt", "screening", "service", "note", "escalate",
                      "funds", "pathway", "visit", "assign", "reroute", "refer-on", "route")},
    "referrals/step/<int:pk>/done/": Door("object", _step, body=everything),
    "referrals/escalation/<int:pk>/": Door("object", _escalation, body=everything),
    "referrals/escalation/<int:pk>/resolve/": Door("object", _escalation, body=everything),
    "referrals/member/<int:pk>/": Door("object", _member, body=everything),
    "referrals/member/<int:pk>/consent/": Door("object", _member, body=everything),
    "referrals/member/<int:pk>/contact/": Door("object", _member, body=everything),
    "referrals/consent/<int:pk>/revoke/": Door("object", _consent, body=everything),
    # Background jobs: the acting person's (an administrator: the organisation's) jobs.
    "jobs/": Door("page", _none, query=("", "?status=queued", "?sort=-title")),
    "jobs/<uuid:pk>/": Door("object", _job),
    "jobs/<uuid:pk>/progress/": Door("object", _job),
    "jobs/<uuid:pk>/cancel/": Door("object", _job, body=everything),
    # Billing: the CBO's lines, the hub's console, submissions and fee schedules.
    "billing/cbo/": Door("page", _none, query=("", "?period=2026-03", "?period=2026-03&fix_page=2")),
    "billing/cbo/line/<int:pk>/correct/": Door("object", _bill_line, body=everything),
    "billing/hub/": Door("page", _none, query=("", "?period=2026-03")),
    "billing/hub/build/": Door("page", _none, body=_billing_month_body),
    "billing/hub/submit/": Door("page", _none, body=_billing_month_body),
    "billing/submission/<int:pk>/837p/": Door("object", _submission),
    "billing/submission/<int:pk>/lines.csv": Door("object", _submission),
    "billing/invoice/<int:pk>.pdf": Door("object", _bill),
    "billing/invoice/<int:pk>.csv": Door("object", _bill),
    "billing/fee-schedules/": Door("page", _none),
    "billing/fee-schedules/<int:pk>/": Door("object", _fee_schedule),
    "billing/fee-schedules/upload/": Door(
        "page", _none, why="stores a schedule for the acting hub only, from a file; its "
                           "checks are in tests/integration/billing/test_fee_schedules.py"),
    "billing/fee-schedules/contract/": Door("page", _none, body=_contract_billing_body),
    # The payer's review, 835 remittance and payouts to CBOs.
    "billing/review/": Door("page", _none, query=("", "?status=approved", "?sort=-amount")),
    "billing/review/approve/": Door("page", _none, body=lambda o, own: {"token": "walked"}),
    "billing/review/turnaround/": Door("page", _none),
    "billing/review/<int:pk>/": Door("object", _bill, body=_decision_body),
    "billing/questions/": Door("page", _none),
    "billing/questions/<int:pk>/answer/": Door("object", _bill, body=_decision_body),
    "billing/remittance/": Door(
        "page", _none, why="posts a file for the acting hub only, matched to its own bills; "
                           "its checks are in tests/integration/billing/test_remittance.py"),
    "billing/remittance/<int:pk>/": Door("object", _remittance),
    "billing/remittance/for-approved-bills/": Door("page", _none),
    "billing/payouts/": Door("page", _none, body=_billing_month_body),
    "billing/payouts/<int:pk>/": Door("object", _payout, body=_decision_body),
    "billing/payouts/<int:pk>/advice.<str:fmt>": Door("object", _payout_files),
    "healthz": Door("public", _none, why="counts of the queue and the workers, no tenant data"),
    # Notifications: each person's own, whichever organisation they act for.
    "notifications/": Door("page", _none, query=("", "?page=2")),
    "notifications/settings/": Door(
        "page", _none, why="the signed-in user's own choices per kind; no form names "
        "another person or organisation"),
    "notifications/bell/": Door("page", _none, why="the signed-in user's own unread count"),
    "notifications/read-all/": Door(
        "page", _none, why="marks the signed-in user's own notifications read; names no "
        "object"),
    "notifications/<int:pk>/read/": Door("object", _notification, body=everything),
    # Eligibility: the plan's datasets, criteria, runs and hand-offs.
    "eligibility/": Door("page", _none),
    "eligibility/datasets/upload/": Door(
        "page", _none, why="stores files for the acting plan only; its checks are in "
                           "tests/integration/population"),
    "eligibility/datasets/<int:pk>/": Door("object", _extra("dataset")),
    "eligibility/criteria/new/": Door("page", _none, body=everything),
    "eligibility/criteria/preview/": Door("page", _none, body=everything),
    "eligibility/criteria/<int:pk>/": Door("object", _extra("criteria")),
    "eligibility/criteria/<int:pk>/edit/": Door("object", _extra("criteria"), body=everything),
    "eligibility/runs/start/": Door("page", _none, body=_run_body),
    **{f"eligibility/runs/<int:pk>/{action}": Door("object", _extra("run"), body=_run_body)
       for action in ("", "progress/", "cancel/", "again/", "compare/", "hand/",
                      "hand/pickers/")},
    "eligibility/handoffs/<int:pk>/": Door("object", _extra("handoff")),
    # Billing: the statements of the acting organisation's contracts.
    "billing/statements/": Door("page", _none, query=("", "?period=2026-10")),
    "billing/statements/settle/": Door("page", _none, body=_settle_body),
    "billing/statements/mlr/": Door("page", _none),
    "billing/statements/<int:pk>/": Door("object", _statement),
    "billing/statements/<int:pk>/statement.<str:fmt>": Door("object", _statement_file),
    "billing/statements/<int:pk>/member-lines.csv": Door("object", _statement),
    # Reporting, CBO readiness: the hub's assessments, TA plan, funds and library.
    "reporting/readiness/": Door("page", _none),
    "reporting/readiness/readiness.<str:fmt_name>": Door("page", _formats),
    "reporting/readiness/cbo/<int:pk>/": Door("object", _cbo),
    "reporting/readiness/cbo/<int:pk>/<str:table>.<str:fmt_name>": Door("object", _cbo_tables),
    "reporting/readiness/cbo/<int:pk>/assess/": Door("object", _cbo, body=_assessment_body),
    "reporting/readiness/cbo/<int:pk>/tasks/": Door("object", _cbo, body=everything),
    "reporting/readiness/cbo/<int:pk>/fund/": Door("object", _cbo, body=_fund_body),
    "reporting/readiness/assessment/<int:pk>/": Door("object", _extra("assessment")),
    "reporting/readiness/task/<int:pk>/status/": Door("object", _extra("ta_task"),
                                                      body=lambda o, own: {"status": "done"}),
    "reporting/readiness/fund/<int:pk>/": Door("object", _extra("fund")),
    "reporting/readiness/fund/<int:pk>/milestones.<str:fmt_name>": Door(
        "object", _with_formats(_extra("fund"))),
    "reporting/readiness/contract/<str:code>/": Door("object", _contract_code),
    "reporting/readiness/contract/<str:code>/readiness.<str:fmt_name>": Door(
        "object", _with_formats(_contract_code)),
    "reporting/resources/": Door("page", _none),
    "reporting/resources/add/": Door(
        "page", _none, why="stores a document for the acting hub only; its checks are in "
                           "tests/integration/reporting/test_readiness_library.py"),
    "reporting/resources/library.<str:fmt_name>": Door("page", _formats),
    "reporting/resources/<int:pk>/": Door("object", _extra("document")),
    "reporting/resources/<int:pk>/download/": Door("object", _extra("document")),
    "reporting/resources/shipped/<slug:key>/": Door("page", _shipped),
    "reporting/resources/shipped/<slug:key>/download/": Door("page", _shipped),
    # Community voice: the hub's councils, feedback log and touch points.
    "reporting/": Door("page", _none),
    **_voice_doors(),
    **_joc_doors(),
    # The scorecard: read-only pages of a contract's parties.
    **_scorecard_doors(),
    **_roi_doors(),
    # The file exchange: data sets of a contract's parties and their deliveries.
    **_exchange_doors(),
    # Exchange, the organisation's export of its own records (administrators only).
    "exchange/export/": Door("page", _none),
    "exchange/export/start/": Door(
        "page", _none,
        why="exports the acting organisation's own records only; its checks are in "
            "tests/integration/exchange/test_export.py"),
    "exchange/export/<uuid:pk>/download/": Door("object", _extra("export")),
    "exchange/export/<uuid:pk>/delete/": Door("object", _extra("export")),
    # The FHIR API's OAuth2 endpoints: a partner system's signed assertion, no session.
    "fhir/auth/token": Door("fhir", why="client assertions of unknown, revoked and other "
                            "clients: tests/integration/fhir/test_auth.py"),
    "fhir/.well-known/smart-configuration": Door(
        "fhir", why="public discovery document, no tenant data: "
                    "tests/integration/fhir/test_auth.py"),
    # The referral workflow over FHIR: Task, ServiceRequest, Procedure and the Bundle at
    # the base, walked with the other set's ids and partner tokens.
    **{route: Door("fhir", why="the other set's Tasks, ServiceRequests and Procedures by id, "
                               "search and update: tests/integration/fhir/test_fhir_tenancy.py")
       for route in ("fhir/", "fhir/Task", "fhir/Task/<fhir_task_id:logical_id>",
                     "fhir/ServiceRequest",
                     "fhir/ServiceRequest/<fhir_task_id:logical_id>", "fhir/Procedure",
                     "fhir/Procedure/<fhir_task_id:logical_id>")},
    # The FHIR API's resources other than Task, ServiceRequest and Procedure: read,
    # search and create with partner tokens of the other set.
    "fhir/metadata": Door("fhir", why="the public CapabilityStatement, no tenant data: "
                                      "tests/integration/fhir/test_resources.py"),
    **_fhir_resource_doors(),
    **_fhir_partner_doors(),
    # The file exchange: data sets of a contract's parties and their deliveries.
    **_exchange_doors(),
}

# Django admin: every pattern under this prefix is walked by test_admin_is_closed.
ADMIN_PREFIX = "admin/"


def _op_service(o: World, own: World) -> list[dict[str, Any]]:
    return [{"service_id": str(o.service.pk)}]


def _op_org(o: World, own: World) -> list[dict[str, Any]]:
    return [{"organization_id": o.hsds_org_id}]


OPERATIONS: dict[str, Door] = {
    "GET /api/me": Door("page", _none),
    "GET /api/hsds/": Door("public", _none),
    "GET /api/hsds/services": Door("page", _none, query=(
        "", "?full=true&per_page=100", "?search={other_marker}",
        "?organization_id={other_hsds_org}")),
    "GET /api/hsds/services/{service_id}": Door("object", _op_service),
    "GET /api/hsds/organizations": Door("page", _none, query=("", "?search={other_marker}")),
    "GET /api/hsds/organizations/{organization_id}": Door("object", _op_org),
    "GET /api/hsds/service_at_locations": Door("page", _none, query=("", "?per_page=100")),
    "GET /api/referrals/referrals": Door("page", _none, query=("", "?limit=500")),
    "GET /api/referrals/referrals/{pk}": Door("object", _referral),
    # JSON: the other set's member under its own contract, and under the walker's.
    "POST /api/referrals/referrals": Door("page", _none, body=lambda o, own: {
        "member": o.tenant.member.member_id, "contract": o.contract.code, "service": "HDM",
        "organisation": o.tenant.cbo.pk}),
}

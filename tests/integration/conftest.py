"""Organisations, people and signed-in clients for integration tests.

`other_*` fixtures belong to a second hub network that must never see the first one's
data: every view's test signs in as such a user and expects 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.tenancy.access import SESSION_KEY, Acting
from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

PASSWORD = "correct-horse-battery-9"


@dataclass
class Tenant:
    payer: Organisation
    hub: Organisation
    cbo: Organisation
    users: dict[str, User]
    member: Member


def make_org(kind: str, name: str) -> Organisation:
    return Organisation.objects.create(kind=kind, name=name, legal_name=f"{name} Inc.", slug=name.lower().replace(" ", "-"))


def make_user(username: str, org: Organisation, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username.title(), last_name="Tester")
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def make_tenant(prefix: str) -> Tenant:
    with scopes_disabled():
        payer = make_org("payer", f"{prefix} Plan")
        hub = make_org("hub", f"{prefix} Hub")
        cbo = make_org("cbo", f"{prefix} Pantry")
        network = Network.objects.create(hub=hub, name=f"{prefix} network", admin_fee_percent="10.00")
        NetworkMember.objects.create(network=network, cbo=cbo, status="accepted",
                                     onboarded_by_hub=True)
        users = {
            "hub_admin": make_user(f"{prefix}-hubadmin", hub, "hub_admin"),
            "hub_coordinator": make_user(f"{prefix}-coord", hub, "hub_coordinator"),
            "cbo_supervisor": make_user(f"{prefix}-super", cbo, "cbo_supervisor"),
            "cbo_worker": make_user(f"{prefix}-worker", cbo, "cbo_worker"),
            "payer_manager": make_user(f"{prefix}-manager", payer, "payer_manager"),
            "payer_analyst": make_user(f"{prefix}-analyst", payer, "payer_analyst"),
            "auditor": make_user(f"{prefix}-auditor", hub, "auditor"),
        }
        member = Member.objects.create(
            plan=payer, member_id=f"{prefix}-M1", first_name="Ada", last_name=f"{prefix}member",
            birth_date=date(1950, 5, 1), sex="F", product="medicare_advantage", county="Erie, NY",
        )
        EnrolmentSpan.objects.create(member=member, start=date(2025, 1, 1))
        MemberAccess.objects.create(member=member, organisation=payer, reason="plan")
        MemberAccess.objects.create(member=member, organisation=hub, reason="program")
    return Tenant(payer, hub, cbo, users, member)


def acting_as(user: User | None, org: Organisation | None = None, *,
              request_id: str = "") -> Acting:
    """The `Acting` a request by `user` for `org` (else their first organisation) has;
    without a user, the system acting for `org`."""
    if user is None:
        return Acting.system(org)
    with scopes_disabled():
        membership = (Membership.objects.filter(user=user, **({"organisation": org} if org else {}))
                      .select_related("organisation").order_by("pk").first())
    assert membership is not None, f"{user} has no membership{f' in {org}' if org else ''}"
    return Acting.of(user, membership, request_id=request_id)


def accepted_contract(payer: Organisation, provider: Organisation, code: str = "T-MEALS", *,
                      hub_may_upload_members: bool = False, delivering=(), **fields):  # type: ignore[no-untyped-def]
    """A contract both sides have accepted (in effect), as after proposal and
    countersignature."""
    from carehub.contracts.models import Contract, ContractParty
    from carehub.contracts.services import sync_parties

    with scopes_disabled():
        contract = Contract.objects.create(code=code, name=fields.pop("name", code), payer=payer,
                                           provider=provider,
                                           hub_may_upload_members=hub_may_upload_members,
                                           **fields)
        contract.delivering_cbos.set(list(delivering))
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
    return contract


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Alpha")


@pytest.fixture
def other_tenant(db) -> Tenant:
    """A second, unrelated network: its users must get 404 on the first one's pages."""
    return make_tenant("Omega")


def signed_in(user: User, org: Organisation | None = None) -> Client:
    """A client signed in as `user` (second factor satisfied), acting for `org`."""
    client = Client()
    client.force_login(user)
    verify_second_factor(client, user)
    membership = Membership.objects.filter(user=user, **({"organisation": org} if org else {})).first()
    session = client.session
    session[SESSION_KEY] = membership.pk if membership else None
    session.save()
    return client


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as verified with the user's device, as the sign-in
    pages do, when the user needs a second factor (a device is made if they have none)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from carehub.accounts.services import needs_second_factor

    if not needs_second_factor(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def login_as():
    return signed_in

"""Add load-test workers and their referrals to a database the demo seed has filled.

    DATABASE_URL=... PYTHONPATH=src python bench/load/seed.py --workers 50 --referrals 12

Creates workers `loadw01`…`loadwNN` (password: the demo password) spread over the demo
CBOs, and gives each worker its own referrals, assigned and open, with the member's data
sharing consent, through the referral services (so every referral is audited as in use).
Each worker refers under its own service code, so no two workers compete for a member's
one open referral per service. Idempotent: an existing worker keeps its referrals.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")

PREFIX = "loadw"


def username(index: int) -> str:
    return f"{PREFIX}{index:02d}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--referrals", type=int, default=12, help="open referrals per worker")
    args = parser.parse_args(argv)
    django.setup()

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from carehub.contracts.models import Contract
    from carehub.demo.seed import DEMO_PASSWORD
    from carehub.members.models import Member
    from carehub.referrals import services
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Membership, Organisation

    user_model = get_user_model()
    with scopes_disabled(), transaction.atomic():
        hub = Organisation.objects.filter(kind="hub").order_by("pk").first()
        cbos = list(Organisation.objects.filter(kind="cbo").order_by("pk"))
        coordinator = user_model.objects.get(username="coordinator")
        members = list(Member.objects.order_by("pk"))
        # Every referral is made under a contract: the demo's meals contract, with one
        # service per load worker (one open referral per member and service).
        contract = Contract.objects.filter(code="DEMO-MEALS").first()
        if hub is None or not cbos or not members or contract is None:
            print("seed.py: run `carehub demo --no-serve` first", file=sys.stderr)
            return 2
        password = make_password(DEMO_PASSWORD)  # hashed once: 50 hashes would take a while
        today = timezone.localdate()
        created = 0
        for index in range(1, args.workers + 1):
            cbo = cbos[(index - 1) % len(cbos)]
            user, new = user_model.objects.get_or_create(
                username=username(index),
                defaults={"first_name": "Load", "last_name": f"Worker {index}",
                          "password": password})
            Membership.objects.get_or_create(user=user, organisation=cbo, role="cbo_worker")
            if not new:
                continue
            for slot in range(args.referrals):
                member = members[((index - 1) * args.referrals + slot) % len(members)]
                try:
                    services.create_referral(
                        member=member, organisation=cbo, contract=contract,
                        service=load_service(contract, index),
                        acting=Acting.system(hub, user=coordinator), hub=hub,
                        assignee=user, anchor_date=today - timedelta(days=1))
                except services.ReferralError:
                    continue  # e.g. a member who asked not to be contacted
                services.record_consent(member, kind="data_sharing",
                                        scope="case notes and outreach with the hub",
                                        given_on=today, expires_on=None, acting=Acting.system(cbo, user=user))
                created += 1
    print(f"load workers: {args.workers}; referrals created: {created}")
    return 0


def load_service(contract: Any, index: int) -> Any:
    from carehub.contracts.models import ServiceDefinition
    from carehub.network.models import ServiceType

    found, _ = ServiceDefinition.objects.get_or_create(
        contract=contract, code=f"LOAD{index:02d}",
        defaults={"name": f"Load test service {index}",
                  "service_type": ServiceType.objects.get(slug="nutrition")})
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

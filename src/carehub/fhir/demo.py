"""Demo partner systems: the plan's referral system (a source that POSTs Tasks) and the
first CBO's case-management app (it polls its Tasks and updates them), each registered
with its own key: the CBO's by the hub administrator, the plan's as an operator
would from the command line. The private keys are written under
CAREHUB_VAR/demo/ so the API can be tried from a terminal (docs/fhir/auth.md); a real
partner keeps its key and sends only the public half."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django_scopes import scopes_disabled
from jwcrypto import jwk

from carehub.fhir.models import PartnerSystem
from carehub.fhir.services.clients import register
from carehub.tenancy.access import Acting

SYSTEMS = (
    ("payer", "Plan referral system (demo)", "system/Task.crus system/ServiceRequest.crs "
     "system/Patient.rs system/Procedure.rs system/Organization.rs system/Consent.crs"),
    ("cbo0", "CBO case-management app (demo)", "system/Task.rus system/ServiceRequest.rs "
     "system/Patient.rs system/Procedure.rs system/Organization.rs"),
)


def seed(ctx: Any) -> None:
    admin = ctx.users["hubadmin"]
    acting = Acting.of(admin, admin.memberships.get(organisation=ctx.hub))
    keys = settings.VAR_DIR / "demo"
    keys.mkdir(parents=True, exist_ok=True)
    for org_key, name, scopes in SYSTEMS:
        org = ctx.payer if org_key == "payer" else ctx.cbos[0]
        with scopes_disabled():
            known = PartnerSystem.objects.filter(organisation=org, name=name).first()
        if known is not None:
            continue
        key = jwk.JWK.generate(kty="RSA", size=2048, kid=f"demo-{org.slug}", alg="RS384",
                               use="sig")
        public = {"keys": [json.loads(key.export_public())]}
        # The hub administers its CBOs' systems; the plan's is registered as an operator
        # does it, with `carehub fhir client add`.
        by = acting if org_key != "payer" else Acting.system(org)
        partner = register(org, name=name, scopes=scopes, acting=by, jwks=public)
        path = keys / f"partner-{org.slug}.json"
        path.write_text(json.dumps({"client_id": partner.client_id, "scopes": scopes,
                                    "private_jwk": json.loads(key.export_private())}, indent=2))
        path.chmod(0o600)
        ctx.log(f"fhir: partner system '{name}' for {org.name}; its key is in {path}")

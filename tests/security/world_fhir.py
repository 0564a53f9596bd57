"""FHIR rows of one set: a partner system registered for the set's CBO."""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled

# A public RSA key (2048 bits), fixed so the walk's bodies are valid but for whose they are.
PUBLIC_JWKS = {"keys": [{
    "kty": "RSA", "kid": "walk-1", "e": "AQAB",
    "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIR"
         "ROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7sv"
         "lJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQ"
         "hrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"}]}


def fhir(w: Any) -> dict[str, Any]:
    from carehub.fhir.services import clients
    from carehub.tenancy.access import Acting

    with scopes_disabled():
        partner = clients.register(w.tenant.cbo, name=f"{w.marker} EHR", scopes="system/Task.rs",
                                   jwks=PUBLIC_JWKS, acting=Acting.system(w.tenant.cbo))
    return {"partner_system": partner}

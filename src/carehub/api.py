"""The JSON API (OpenAPI at /api/docs). Apps add their routers here."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.security import SessionAuth

from carehub.schemas import MeOut
from carehub.tenancy.access import Acting, acting_for


class ActingSessionAuth(SessionAuth):
    """A signed-in session with an active organisation; anything else is not found."""

    def authenticate(self, request: HttpRequest, key: str | None):  # type: ignore[no-untyped-def, override]
        return acting_for(request)


api = NinjaAPI(title="carehub", version="1", auth=ActingSessionAuth(), urls_namespace="api")


@api.get("/me", tags=["accounts"], response=MeOut)
def me(request: HttpRequest) -> dict:
    acting: Acting | None = request.auth  # type: ignore[attr-defined]
    if acting is None:
        raise Http404
    return {
        "username": acting.user.username,
        "organisation": {"id": acting.organisation.pk, "name": acting.organisation.name,
                         "kind": acting.organisation.kind},
        "role": acting.role,
    }


for _app in ("network", "contracts", "referrals", "billing", "reporting", "fhir", "exchange"):
    if f"carehub.{_app}" in settings.INSTALLED_APPS:
        import importlib

        try:
            module = importlib.import_module(f"carehub.{_app}.api")
        except ModuleNotFoundError:
            continue
        # An app may mount several routers: ROUTERS = [("/hsds/", router), ...].
        for prefix, router in getattr(module, "ROUTERS", [(f"/{_app}/", module.router)]):
            api.add_router(prefix, router)

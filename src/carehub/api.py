"""The JSON API (OpenAPI at /api/docs): each app's router is mounted here."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.security import SessionAuth

from carehub.network import api as network_api
from carehub.referrals import api as referrals_api
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


api.add_router("/hsds/", network_api.router)
api.add_router("/referrals/", referrals_api.router)

"""The OAuth2 token endpoint of partner systems and its SMART discovery document."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from oauth2_provider.views import TokenView as DOTTokenView

from carehub.fhir.auth import fhir_public
from carehub.fhir.oauth import ASSERTION_TYPE, SIGNING_ALGS


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(DOTTokenView):
    """POST /fhir/auth/token: grant_type=client_credentials, scope, client_assertion_type
    (jwt-bearer) and client_assertion. django-oauth-toolkit answers, with the partner
    validator checking the assertion; errors are OAuth2 JSON ({"error": ...})."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("grant_type") != "client_credentials":
            return JsonResponse({"error": "unsupported_grant_type",
                                 "error_description": "Only client_credentials is offered."},
                                status=400)
        response = super().post(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Type"] = "application/json"
        return response


@require_GET
@fhir_public
def smart_configuration(request: HttpRequest) -> HttpResponse:
    """GET /fhir/.well-known/smart-configuration (SMART App Launch 2.x, Backend Services)."""
    token_url = request.build_absolute_uri(reverse("fhir:token"))
    scopes = [f"system/*.{letters}" for letters in ("cruds", "rs", "r", "s", "c", "u")]
    return JsonResponse({
        "token_endpoint": token_url,
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGS),
        "scopes_supported": scopes,
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
        "client_assertion_types_supported": [ASSERTION_TYPE],
    })

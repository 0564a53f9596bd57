"""FHIR endpoints of the referral workflow: Task, ServiceRequest, Procedure and the
transaction/batch Bundle a source system sends a referral in.

Each view is guarded by `fhir_endpoint` (token, scope, tenant, audit, OperationOutcome
on errors) and answers with `fhir_response` / `operation_outcome`. The writes are
`fhir.services.tasks`; the reads `fhir.selectors.tasks`. Resources of the guide that
are not referral requests (its accepted and completed example Tasks, TaskForPatient,
ServiceRequests and Procedures not based on a carehub referral) go to the received
store and are served back as received.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from carehub.fhir import capabilities
from carehub.fhir.auth import fhir_endpoint
from carehub.fhir.capabilities import Param, TypeCapability
from carehub.fhir.mapping import referral as mapping
from carehub.fhir.responses import fhir_response, operation_outcome
from carehub.fhir.selectors import tasks as selectors
from carehub.fhir.services import tasks as services
from carehub.fhir.services.tasks import FhirRefusal

IF_MATCH = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')

capabilities.register(TypeCapability(
    "Task", interactions=("read", "search-type", "create", "update"),
    profile=mapping.TASK_PROFILE, supported_profiles=(mapping.TASK_PROFILE,),
    documentation="A referral source POSTs its Task (with its ServiceRequest: a transaction "
                  "Bundle at the base, or contained); carehub routes the referral and the "
                  "source's Task follows the work. carehub's own Task per referral "
                  "(referral-<id>) is updated by the owning CBO's system with If-Match.",
    search_params=(
        Param("owner", "reference", "The organisation doing the work (Organization/<id>)."),
        Param("requester", "reference", "The hub or plan that asked."),
        Param("status", "token", "Task.status, comma-separated."),
        Param("focus", "reference", "The ServiceRequest."),
        Param("patient", "reference", "The member (Patient/<id>)."),
        Param("subject", "reference", "The member (Patient/<id>)."),
        Param("part-of", "reference", "The source system's Task."),
        Param("identifier", "token", "system|value of the source's identifier.")),
    includes=("Task:focus", "Task:patient", "Task:owner")))
capabilities.register(TypeCapability(
    "ServiceRequest", interactions=("read", "search-type", "create"),
    profile=mapping.SERVICE_REQUEST_PROFILE,
    supported_profiles=(mapping.SERVICE_REQUEST_PROFILE,),
    search_params=(Param("patient", "reference"), Param("subject", "reference"),
                   Param("based-on", "reference", "The source's ServiceRequest."),
                   Param("status", "token"), Param("identifier", "token"))))
capabilities.register(TypeCapability(
    "Procedure", interactions=("read", "search-type", "create"),
    profile=mapping.PROCEDURE_PROFILE, supported_profiles=(mapping.PROCEDURE_PROFILE,),
    documentation="A Procedure based on ServiceRequest/referral-<id> logs the service "
                  "delivered on that referral.",
    search_params=(Param("patient", "reference"), Param("subject", "reference"),
                   Param("based-on", "reference", "ServiceRequest/referral-<id>."),
                   Param("identifier", "token"))))


# --- helpers -------------------------------------------------------------------------


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


def touched(request: HttpRequest, *member_pks: int) -> None:
    """Name the members a response shows or changes for the request's audit event."""
    members = getattr(request, "fhir_members", None)
    if members is not None:
        members.update(pk for pk in member_pks if pk)


def refusal(exc: FhirRefusal) -> HttpResponse:
    return operation_outcome(exc.status, exc.message, code=exc.code,
                             expression=exc.expression or None, issues=exc.issues)


def body_of(request: HttpRequest, kind: str | None) -> dict[str, Any]:
    if "json" not in (request.content_type or ""):
        raise FhirRefusal(415, "Send the resource as application/fhir+json.", [], "not-supported")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FhirRefusal(400, f"The body is not JSON: {exc}.", [], "invalid") from None
    if not isinstance(data, dict) or not data.get("resourceType"):
        raise FhirRefusal(400, "The body is not a FHIR resource (no resourceType).",
                          ["resourceType"], "invalid")
    if kind is not None and data["resourceType"] != kind:
        raise FhirRefusal(400, f"This endpoint takes a {kind}, not a {data['resourceType']}.",
                          ["resourceType"], "invalid")
    return data


def validation_problems(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The validator's problems as OperationOutcome issues (`fhir.validation`)."""
    from carehub.fhir.validation import validate

    # fhircraft cannot evaluate the base invariants over contained resources (it fails
    # with a FHIRPath error, not a finding): the resource is checked without them and
    # each contained resource on its own, its paths under `<Type>.contained[n]`.
    contained = resource.get("contained")
    problems = [(p.path, p.message) for p in validate(
        {k: v for k, v in resource.items() if k != "contained"} if contained else resource)
        if p.severity == "error"]
    for n, inner in enumerate(contained if isinstance(contained, list) else []):
        where = f"{resource.get('resourceType')}.contained[{n}]"
        if not isinstance(inner, dict):
            problems.append((where, "a contained resource must be a JSON object"))
            continue
        problems.extend((f"{where}.{p.path.split('.', 1)[1]}" if "." in p.path else where,
                         p.message) for p in validate(inner) if p.severity == "error")
    return [{"severity": "error", "code": "invalid", "diagnostics": f"{path}: {message}",
             "expression": [path]} for path, message in problems]


def check_valid(resource: dict[str, Any]) -> None:
    issues = validation_problems(resource)
    if issues:
        raise FhirRefusal(400, "; ".join(i["diagnostics"] for i in issues),
                          [e for i in issues for e in i["expression"]], "invalid", issues)


def version_asked(request: HttpRequest) -> int:
    raw = request.META.get("HTTP_IF_MATCH")
    if not raw:
        raise FhirRefusal(428, 'An update needs If-Match: W/"<versionId>" (the version read).',
                          ["Task.meta.versionId"], "required")
    found = IF_MATCH.match(raw)
    if found is None:
        raise FhirRefusal(400, f'If-Match {raw!r} is not W/"<versionId>".',
                          ["Task.meta.versionId"], "invalid")
    return int(found.group(1))


def searchset(request: HttpRequest, kind: str, resources: list[dict[str, Any]],
              cursor: str | None, includes: list[dict[str, Any]] | None = None) -> HttpResponse:
    base = base_url(request)
    query = request.GET.copy()
    query.pop("_cursor", None)
    self_query = request.GET.urlencode()
    links = [{"relation": "self", "url": f"{base}/{kind}" + (f"?{self_query}" if self_query
                                                               else "")}]
    if cursor:
        query["_cursor"] = cursor
        links.append({"relation": "next", "url": f"{base}/{kind}?{query.urlencode()}"})
    entries = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                "search": {"mode": "match"}} for r in resources]
    seen = {e["fullUrl"] for e in entries}
    for r in includes or []:
        url = f"{base}/{r['resourceType']}/{r['id']}"
        if url not in seen:
            seen.add(url)
            entries.append({"fullUrl": url, "resource": r, "search": {"mode": "include"}})
    return fhir_response({"resourceType": "Bundle", "type": "searchset", "link": links,
                          "entry": entries})


def _guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """FhirRefusal and SearchError to OperationOutcome (other errors are the decorator's)."""

    def run(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, **kwargs)
        except FhirRefusal as exc:
            return refusal(exc)
        except selectors.SearchError as exc:
            return operation_outcome(400, str(exc), code="invalid", expression=[exc.param])

    run.__name__ = view.__name__
    run.__doc__ = view.__doc__
    return run


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    return operation_outcome(405, f"{request.method} is not supported here; use {allowed}.",
                             code="not-supported", headers={"Allow": allowed})


def _received(request: HttpRequest, kind: str, logical_id: str) -> dict[str, Any] | None:
    """A resource of the received store (`fhir.selectors.records`), as received."""
    from carehub.fhir.selectors.records import get_received
    from carehub.fhir.services.records import as_fhir

    row = get_received(request.acting, kind, logical_id)  # type: ignore[attr-defined]
    if row is None:
        return None
    touched(request, row.member_id or 0)
    return as_fhir(row)


def _store(request: HttpRequest, resource: dict[str, Any]) -> dict[str, Any]:
    """Keep a resource that is not part of the referral workflow as received."""
    from carehub.fhir.services.records import InvalidResource, as_fhir, store_received

    try:
        row = store_received(acting=request.acting,  # type: ignore[attr-defined]
                             resource=resource, client_id=_client_id(request))
    except InvalidResource as exc:
        issues = [{"severity": "error", "code": "invalid", "diagnostics": p.message,
                   "expression": [p.path]} for p in exc.problems]
        raise FhirRefusal(422, str(exc), [p.path for p in exc.problems], "invalid",
                          issues) from None
    touched(request, row.member_id or 0)
    return as_fhir(row)


def created(request: HttpRequest, resource: dict[str, Any], status: int = 201) -> HttpResponse:
    version = (resource.get("meta") or {}).get("versionId")
    location = f"{base_url(request)}/{resource['resourceType']}/{resource['id']}"
    if version:
        location += f"/_history/{version}"
    return fhir_response(resource, status, headers={"Location": location})


# --- Task ----------------------------------------------------------------------------


def _task_includes(request: HttpRequest, rows: list[Any],
                   loaded: selectors.Loaded) -> list[dict[str, Any]]:
    wanted = set(request.GET.getlist("_include"))
    out: list[dict[str, Any]] = []
    if "Task:focus" in wanted:
        out.extend(selectors.service_request_resource(r, loaded) for r in rows)
    if wanted & {"Task:patient", "Task:for"}:
        from carehub.fhir.mapping.patient import patient
        from carehub.members.models import Member

        members = Member.objects.select_related("plan").filter(
            pk__in={r.member_id for r in rows})
        out.extend(patient(m) for m in members)
    if "Task:owner" in wanted:
        from carehub.fhir.mapping.organization import organization
        from carehub.tenancy.models import Organisation

        out.extend(organization(o) for o in Organisation.objects.filter(
            pk__in={r.organisation_id for r in rows}))
    return out


@fhir_endpoint("Task", "search")
@_guarded
def task_search(request: HttpRequest) -> HttpResponse:
    page = selectors.search_tasks(request.acting, request.GET)  # type: ignore[attr-defined]
    loaded = selectors.load(page.rows)
    touched(request, *(r.member_id for r in page.rows))
    resources = [selectors.task_resource(r, loaded) for r in page.rows]
    return searchset(request, "Task", resources, page.next_cursor,
                     _task_includes(request, page.rows, loaded))


@fhir_endpoint("Task", "create")
@_guarded
def task_create(request: HttpRequest) -> HttpResponse:
    """A source system's Task: a referral request (with its ServiceRequest contained) is
    made a referral; any other Task is kept as received."""
    task = body_of(request, "Task")
    check_valid(task)
    if not services.is_referral_request(task):
        return created(request, _store(request, task))
    acting = request.acting  # type: ignore[attr-defined]
    done = services.receive_task(acting=acting, task=task,
                                 client_id=_client_id(request))
    touched(request, done.link.referral.member_id)
    resource = selectors.source_task_resource(done.link)
    return created(request, resource, 201 if done.created else 200)


def _client_id(request: HttpRequest) -> str:
    partner = getattr(request, "partner", None)
    return str(getattr(partner, "client_id", "") or "")


@fhir_endpoint("Task", "read")
@_guarded
def task_read(request: HttpRequest, logical_id: str) -> HttpResponse:
    acting = request.acting  # type: ignore[attr-defined]
    referral = selectors.get_referral(acting, logical_id)
    if referral is not None:
        touched(request, referral.member_id)
        return fhir_response(selectors.task_resource(referral, selectors.load([referral])))
    link = selectors.get_source_link(acting, logical_id)
    if link is not None:
        touched(request, link.referral.member_id)
        return fhir_response(selectors.source_task_resource(link))
    found = _received(request, "Task", logical_id)
    if found is not None:
        return fhir_response(found)
    return operation_outcome(404, f"Task/{logical_id} was not found.", code="not-found")


@fhir_endpoint("Task", "update")
@_guarded
def task_update(request: HttpRequest, logical_id: str) -> HttpResponse:
    """The organisation doing the work moves its Task (If-Match the version it read);
    the source may cancel its own Task."""
    acting = request.acting  # type: ignore[attr-defined]
    task = body_of(request, "Task")
    if str(task.get("id") or "") != logical_id:
        raise FhirRefusal(400, f"The Task's id ({task.get('id')!r}) must be the id in the URL "
                               f"({logical_id}).", ["Task.id"], "invalid")
    referral = selectors.get_referral(acting, logical_id)
    link = None if referral is not None else selectors.get_source_link(acting, logical_id)
    if referral is None and link is None:
        return operation_outcome(404, f"Task/{logical_id} was not found.", code="not-found")
    version = version_asked(request)
    check_valid(task)
    with transaction.atomic():
        if referral is not None:
            touched(request, referral.member_id)
            fresh = (selectors.shared_referrals(acting).select_for_update(of=("self",))
                     .select_related("organisation", "service").get(pk=referral.pk))
            fresh = services.update_task(acting=acting, referral=fresh, version=version,
                                         task=task)
            return fhir_response(selectors.task_resource(fresh, selectors.load([fresh])))
        assert link is not None
        touched(request, link.referral.member_id)
        services.cancel_from_source(acting=acting, link=link, version=version, task=task)
        link.referral.refresh_from_db()
        return fhir_response(selectors.source_task_resource(link))


@csrf_exempt
def task_type(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return task_search(request)
    if request.method == "POST":
        return task_create(request)
    return method_not_allowed(request, "GET, POST")


@csrf_exempt
def task_instance(request: HttpRequest, logical_id: str) -> HttpResponse:
    if request.method == "GET":
        return task_read(request, logical_id=logical_id)
    if request.method == "PUT":
        return task_update(request, logical_id=logical_id)
    return method_not_allowed(request, "GET, PUT")


# --- ServiceRequest ----------------------------------------------------------------------


@fhir_endpoint("ServiceRequest", "search")
@_guarded
def service_request_search(request: HttpRequest) -> HttpResponse:
    page = selectors.search_service_requests(request.acting,  # type: ignore[attr-defined]
                                             request.GET)
    loaded = selectors.load(page.rows)
    touched(request, *(r.member_id for r in page.rows))
    return searchset(request, "ServiceRequest",
                     [selectors.service_request_resource(r, loaded) for r in page.rows],
                     page.next_cursor)


@fhir_endpoint("ServiceRequest", "read")
@_guarded
def service_request_read(request: HttpRequest, logical_id: str) -> HttpResponse:
    acting = request.acting  # type: ignore[attr-defined]
    referral = selectors.get_referral(acting, logical_id)
    if referral is not None:
        touched(request, referral.member_id)
        return fhir_response(selectors.service_request_resource(referral,
                                                                selectors.load([referral])))
    link = selectors.get_source_request_link(acting, logical_id)
    if link is not None and link.source_service_request:
        touched(request, link.referral.member_id)
        return fhir_response({**link.source_service_request, "id": logical_id})
    found = _received(request, "ServiceRequest", logical_id)
    if found is not None:
        return fhir_response(found)
    return operation_outcome(404, f"ServiceRequest/{logical_id} was not found.",
                             code="not-found")


@fhir_endpoint("ServiceRequest", "create")
@_guarded
def service_request_create(request: HttpRequest) -> HttpResponse:
    """A ServiceRequest on its own is kept as received (a referral comes as a Task with
    its ServiceRequest)."""
    resource = body_of(request, "ServiceRequest")
    check_valid(resource)
    return created(request, _store(request, resource))


@csrf_exempt
def service_request_type(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return service_request_search(request)
    if request.method == "POST":
        return service_request_create(request)
    return method_not_allowed(request, "GET, POST")


@csrf_exempt
def service_request_instance(request: HttpRequest, logical_id: str) -> HttpResponse:
    if request.method == "GET":
        return service_request_read(request, logical_id=logical_id)
    return method_not_allowed(request, "GET")


# --- Procedure ---------------------------------------------------------------------------


@fhir_endpoint("Procedure", "search")
@_guarded
def procedure_search(request: HttpRequest) -> HttpResponse:
    page = selectors.search_procedures(request.acting, request.GET)  # type: ignore[attr-defined]
    touched(request, *(d.member_id for d in page.rows))
    return searchset(request, "Procedure",
                     [selectors.procedure_resource(d) for d in page.rows], page.next_cursor)


@fhir_endpoint("Procedure", "read")
@_guarded
def procedure_read(request: HttpRequest, logical_id: str) -> HttpResponse:
    delivery = selectors.get_delivery(request.acting, logical_id)  # type: ignore[attr-defined]
    if delivery is not None:
        touched(request, delivery.member_id)
        return fhir_response(selectors.procedure_resource(delivery))
    found = _received(request, "Procedure", logical_id)
    if found is not None:
        return fhir_response(found)
    return operation_outcome(404, f"Procedure/{logical_id} was not found.", code="not-found")


@fhir_endpoint("Procedure", "create")
@_guarded
def procedure_create(request: HttpRequest) -> HttpResponse:
    """A Procedure based on a carehub referral (basedOn ServiceRequest/referral-N) logs
    the service delivered; any other is kept as received."""
    acting = request.acting  # type: ignore[attr-defined]
    resource = body_of(request, "Procedure")
    check_valid(resource)
    referral = services.referral_of_procedure(acting, resource)
    if referral is None:
        return created(request, _store(request, resource))
    touched(request, referral.member_id)
    delivery = services.receive_procedure(acting=acting, referral=referral, resource=resource,
                                          client_id=_client_id(request))
    return created(request, _procedure_of(acting, delivery.pk))


def _procedure_of(acting: Any, delivery_pk: int) -> dict[str, Any]:
    """The Procedure of a delivery just logged, read back as the acting partner sees it."""
    fresh = selectors.get_delivery(acting, mapping.procedure_id(delivery_pk))
    if fresh is None:
        raise FhirRefusal(404, f"Procedure/{mapping.procedure_id(delivery_pk)} was not found.",
                          ["Procedure"], "not-found")
    return selectors.procedure_resource(fresh)


@csrf_exempt
def procedure_type(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return procedure_search(request)
    if request.method == "POST":
        return procedure_create(request)
    return method_not_allowed(request, "GET, POST")


@csrf_exempt
def procedure_instance(request: HttpRequest, logical_id: str) -> HttpResponse:
    if request.method == "GET":
        return procedure_read(request, logical_id=logical_id)
    return method_not_allowed(request, "GET")


# --- transaction / batch Bundle ----------------------------------------------------------


def _rewrite(value: Any, moved: dict[str, str]) -> Any:
    """Replace references to a Bundle's fullUrls by where they were stored."""
    if isinstance(value, dict):
        out = {k: _rewrite(v, moved) for k, v in value.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref in moved:
            out["reference"] = moved[ref]
        return out
    if isinstance(value, list):
        return [_rewrite(v, moved) for v in value]
    return value


def _in_entry(n: int, expression: str) -> str:
    """Task.for in entry 2 → Bundle.entry[2].resource.for."""
    rest = expression.split(".", 1)[1] if "." in expression else ""
    return f"Bundle.entry[{n}].resource" + (f".{rest}" if rest else "")


def _entry_response(status: int, location: str = "", etag: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"status": f"{status} {'Created' if status == 201 else 'OK'}"}
    if location:
        out["location"] = location
    if etag:
        out["etag"] = etag
    return out


def _process_bundle(request: HttpRequest, bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Each entry's response, in order. Referral Tasks are made with the ServiceRequest
    and Patient they point at; the other entries go to the received store."""
    acting = request.acting  # type: ignore[attr-defined]
    entries = [e for e in bundle.get("entry") or [] if isinstance(e, dict)]
    resources: list[dict[str, Any]] = []
    for n, entry in enumerate(entries):
        resource = entry.get("resource")
        if not isinstance(resource, dict) or not resource.get("resourceType"):
            raise FhirRefusal(400, f"Bundle.entry[{n}] has no resource.",
                              [f"Bundle.entry[{n}].resource"], "invalid")
        method = str((entry.get("request") or {}).get("method") or "POST").upper()
        if method not in ("POST", "PUT"):
            raise FhirRefusal(400, f"Bundle.entry[{n}]: only POST (and PUT of a new resource) "
                                   f"are supported in a Bundle, not {method}.",
                              [f"Bundle.entry[{n}].request.method"], "not-supported")
        issues = validation_problems(resource)
        if issues:
            for issue in issues:
                issue["expression"] = [_in_entry(n, e) for e in issue["expression"]]
                issue["diagnostics"] = (f"Bundle.entry[{n}] ({resource['resourceType']}): "
                                        f"{issue['diagnostics']}")
            raise FhirRefusal(400, "; ".join(i["diagnostics"] for i in issues),
                              [e for i in issues for e in i["expression"]], "invalid", issues)
        resources.append({**resource, "_fullUrl": entry.get("fullUrl") or ""})
    consumed: set[int] = set()
    moved: dict[str, str] = {}
    answers: dict[int, dict[str, Any]] = {}
    tasks = [(n, r) for n, r in enumerate(resources)
             if r["resourceType"] == "Task" and services.is_referral_request(r)]
    for n, r in tasks:
        focus = str((r.get("focus") or {}).get("reference", ""))
        request_resource = services.find_in(resources, focus, "ServiceRequest", r.get("contained"))
        if request_resource is not None and not request_resource.get("id"):
            request_resource["id"] = f"source-{uuid.uuid4().hex[:24]}"
        if request_resource is not None and request_resource.get("_fullUrl"):
            moved[request_resource["_fullUrl"]] = f"ServiceRequest/{request_resource['id']}"
        task = {k: v for k, v in r.items() if k != "_fullUrl"}
        try:
            done = services.receive_task(acting=acting, task=_rewrite(task, moved),
                                         sent=resources, client_id=_client_id(request))
        except FhirRefusal as exc:
            where = {"Task": n}
            if request_resource is not None:
                where["ServiceRequest"] = next(
                    m for m, other in enumerate(resources) if other is request_resource)
            exc.expression = [_in_entry(where.get(e.split(".")[0], n), e)
                              for e in exc.expression]
            exc.message = f"Bundle.entry[{n}] (Task): {exc.message}"
            if exc.issues:
                for issue in exc.issues:
                    issue["diagnostics"] = f"Bundle.entry[{n}] (Task): {issue['diagnostics']}"
            raise
        link = done.link
        touched(request, link.referral.member_id)
        resource = selectors.source_task_resource(link)
        answers[n] = {"response": _entry_response(
            201 if done.created else 200, f"Task/{link.source_task_id}/_history/"
                                          f"{resource['meta']['versionId']}",
            f'W/"{resource["meta"]["versionId"]}"'), "resource": resource}
        consumed.add(n)
        if r.get("_fullUrl"):
            moved[r["_fullUrl"]] = f"Task/{link.source_task_id}"
        for m, other in enumerate(resources):
            if other is request_resource:
                consumed.add(m)
                answers[m] = {"response": _entry_response(
                    201 if done.created else 200,
                    f"ServiceRequest/{link.source_service_request_id}")}
            elif other["resourceType"] == "Patient" and other.get("_fullUrl") and (
                    (r.get("for") or {}).get("reference") in (other["_fullUrl"],
                                                             f"Patient/{other.get('id')}")):
                consumed.add(m)
                moved[other["_fullUrl"]] = f"Patient/{link.referral.member_id}"
                answers[m] = {"response": _entry_response(
                    200, f"Patient/{link.referral.member_id}")}
    for n, r in enumerate(resources):
        if n in consumed:
            continue
        resource = _rewrite({k: v for k, v in r.items() if k != "_fullUrl"}, moved)
        if resource["resourceType"] == "Procedure":
            referral = services.referral_of_procedure(acting, resource)
            if referral is not None:
                delivery = services.receive_procedure(acting=acting, referral=referral,
                                                      resource=resource,
                                                      client_id=_client_id(request))
                touched(request, referral.member_id)
                stored = _procedure_of(acting, delivery.pk)
                answers[n] = {"response": _entry_response(
                    201, f"Procedure/{stored['id']}"), "resource": stored}
                continue
        stored = _store(request, resource)
        if r.get("_fullUrl"):
            moved[r["_fullUrl"]] = f"{stored['resourceType']}/{stored['id']}"
        answers[n] = {"response": _entry_response(
            201, f"{stored['resourceType']}/{stored['id']}"), "resource": stored}
    return [answers[n] for n in range(len(resources))]


@fhir_endpoint("Task", "create")
@_guarded
def bundle_create(request: HttpRequest) -> HttpResponse:
    """POST /fhir: a transaction Bundle (all entries or none) or a batch (each alone)."""
    bundle = body_of(request, "Bundle")
    kind = bundle.get("type")
    if kind == "transaction":
        with transaction.atomic():
            answers = _process_bundle(request, bundle)
        return fhir_response({"resourceType": "Bundle", "type": "transaction-response",
                              "entry": answers})
    if kind == "batch":
        out: list[dict[str, Any]] = []
        for n, entry in enumerate(bundle.get("entry") or []):
            try:
                with transaction.atomic():
                    out.extend(_process_bundle(request, {"entry": [entry]}))
            except FhirRefusal as exc:
                out.append({"response": {
                    "status": str(exc.status),
                    "outcome": {"resourceType": "OperationOutcome", "issue": exc.issues or [
                        {"severity": "error", "code": exc.code,
                         "diagnostics": f"Bundle.entry[{n}]: {exc.message}",
                         "expression": exc.expression}]}}})
        return fhir_response({"resourceType": "Bundle", "type": "batch-response", "entry": out})
    return operation_outcome(400, "POST /fhir takes a Bundle of type transaction or batch.",
                             code="invalid", expression=["Bundle.type"])


@csrf_exempt
def root(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return bundle_create(request)
    return method_not_allowed(request, "POST")

"""Every door of the application, walked by every role of one set against the other set.

Two complete, unrelated sets (tests/security/world.py) are built; each role of the
acting set walks every URL pattern and API operation (tests/security/doors.py) against
the other set's objects, lists and forms:

* a GET of another's object answers 404; a POST to it answers 404 and changes no row;
* lists, forms (their choices) and API lists never show the other set's marker, except
  inside the few proposal and invitation choices listed in BY_DESIGN;
* a POST to one's own forms naming the other's objects changes no row;
* an upload naming the other set's plan, hub or members is refused and saves nothing.

Any failure is collected, so one run lists every leak at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django_scopes import scopes_disabled

from carehub.api import api
from carehub.referrals.models import Referral
from tests.integration.conftest import signed_in
from tests.security.doors import ADMIN_PREFIX, DOORS, OPERATIONS, UPLOAD, Door
from tests.security.world import World, make_world, parquet_bytes

pytestmark = pytest.mark.django_db

ROLES = ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager",
         "payer_analyst", "auditor"]
# Object doors that answer only POST: a GET is 404 (or 405) even for the owner.
POST_ONLY = {
    "organisations/memberships/<int:pk>/toggle/", "network/services/<uuid:pk>/capacity/",
    "contracts/<str:code>/stage/", "contracts/<str:code>/tasks/",
    "contracts/<str:code>/decide/", "contracts/<str:code>/hub-uploads/",
    "organisations/networks/<int:pk>/decide/",
    "contracts/<str:code>/tasks/<int:pk>/",
    "referrals/step/<int:pk>/done/", "referrals/escalation/<int:pk>/resolve/",
    "referrals/member/<int:pk>/consent/", "referrals/member/<int:pk>/contact/",
    "referrals/consent/<int:pk>/revoke/", "contracts/<str:code>/withdraw/",
    "referrals/leaving/<int:departure>/<int:pk>/", "jobs/<uuid:pk>/cancel/",
    "referrals/ranked/<int:pk>/assign/",
    "reporting/readiness/cbo/<int:pk>/tasks/", "reporting/readiness/task/<int:pk>/status/",
    # JOC: a redirect to the meeting's stage, POST-only actions, and the pack's PDF, which
    # exists only once its job has drawn it.
    "reporting/joc/meetings/<int:pk>/", "reporting/joc/meetings/<int:pk>/actions/<int:item>/close/",
    "reporting/joc/meetings/<int:pk>/conference/<int:entry>/",
    "reporting/joc/meetings/<int:pk>/pack.pdf", "reporting/joc/meetings/<int:pk>/pack/pdf/",
    "reporting/joc/meetings/<int:pk>/send/",
    "reporting/roi/<str:code>/run/", "reporting/roi/<str:code>/measures/",
    "notifications/<int:pk>/read/", "exchange/export/<uuid:pk>/delete/",
    "billing/cbo/line/<int:pk>/correct/", "billing/questions/<int:pk>/answer/",
    "fhir/partners/<int:pk>/keys/", "fhir/partners/<int:pk>/revoke/",
    *{f"reporting/voice/{a}/" for a in (
        "councils/<int:pk>/members", "councils/<int:pk>/members/<int:member>/leave",
        "councils/<int:pk>/meetings", "feedback/<int:pk>/disposition",
        "feedback/<int:pk>/answer")},
    *{f"eligibility/runs/<int:pk>/{a}/" for a in ("cancel", "again", "hand")},
    *{f"referrals/<int:pk>/{a}/" for a in ("transition", "attempt", "screening", "service",
                                            "note", "escalate", "funds", "pathway", "visit",
                                            "assign", "reroute", "refer-on", "route")},
}
# Tables left out of the digest: the audit trail (reads are audited) and sessions.
UNDIGESTED = {"audit", "sessions"}


# --- the URL patterns and operations the application has --------------------------------

def url_patterns() -> set[str]:
    def walk(patterns: Iterable[Any], prefix: str) -> Iterable[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return set(walk(get_resolver().url_patterns, ""))


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def fill(route: str, kwargs: dict[str, Any]) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>|\{(\w+)\}",
                  lambda m: str(kwargs[m.group(1) or m.group(2)]), route)
    return path if path.startswith("/") else "/" + path


# --- what changed, what leaked ---------------------------------------------------------

# The only places the other set's names may appear: these <select> elements (page route,
# the select's name), where proposing or inviting has to name an organisation outside
# one's own relationships. Nothing flows until the named side accepts. The selects are
# cut out of the page before the marker is looked for; anywhere else it is a leak.
BY_DESIGN: dict[tuple[str, str], str] = {
    ("organisations/", "cbo"):
        "a hub invites an existing CBO by naming it; the CBO joins, receives work and has "
        "its people managed only once its supervisor accepts",
    ("organisations/network/invite/", "cbo"):
        "the same invitation choice, shown again when an invitation is refused",
    ("contracts/new/", "payer"):
        "a hub proposes a contract to any active plan; it takes effect only when the plan "
        "accepts",
    ("contracts/new/", "provider"):
        "a plan proposes a contract to any active hub or CBO; it takes effect only when "
        "that side accepts",
    ("contracts/new/", "delivering_cbos"):
        "a plan names the delivering CBOs with its proposal: the same CBOs the provider "
        "choice lists, and only those in the chosen hub's network are accepted",
}
SELECT = re.compile(r"<select\b(?P<attrs>[^>]*)>.*?</select\s*>", re.S | re.I)
SELECT_NAME = re.compile(r"""\bname\s*=\s*["']?(?P<name>[^"'\s>]+)""", re.I)


def route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def without_by_design(route: str | None, html: str, marker: str,
                      used: set[tuple[str, str]] | None = None) -> str:
    """`html` without the BY_DESIGN selects of `route`; records which showed `marker`."""
    def cut(match: re.Match[str]) -> str:
        name = SELECT_NAME.search(match.group("attrs"))
        key = (route or "", name.group("name") if name else "")
        if key not in BY_DESIGN:
            return match.group(0)
        if used is not None and marker.lower() in match.group(0).lower():
            used.add(key)
        return ""

    return SELECT.sub(cut, html)


def _tables() -> list[tuple[str, str]]:
    return sorted({(m._meta.db_table, m._meta.pk.column) for m in apps.get_models()
                   if m._meta.app_label not in UNDIGESTED and m._meta.managed
                   and not m._meta.proxy})


def digest() -> dict[str, str]:
    """A hash of each table's rows, every table but the audit trail and sessions."""
    hashes: dict[str, str] = {}
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":  # one round trip: each table hashed by the server
        sql = " UNION ALL ".join(
            f"SELECT '{table}', md5(coalesce(string_agg(x::text, '|' ORDER BY x.{qn(pk)}), ''))"
            f" FROM {qn(table)} x" for table, pk in _tables())
        with connection.cursor() as cursor:
            cursor.execute(sql)  # noqa: S608 (table names from the models)
            return dict(cursor.fetchall())
    with connection.cursor() as cursor:
        for table, pk in _tables():
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {qn(pk)}")  # noqa: S608
            h = hashlib.sha256()
            for row in cursor.fetchall():
                h.update(repr(row).encode())
            hashes[table] = h.hexdigest()
    return hashes


class Walk:
    """One acting set walking the other; collects problems and counts requests."""

    def __init__(self, own: World, other: World) -> None:
        self.own, self.other = own, other
        self.problems: list[str] = []
        self.requests: Counter[str] = Counter()
        self.digests = 0
        self.digest_seconds = 0.0
        self.by_design_seen: set[tuple[str, str]] = set()
        self.state = digest()

    def leaks(self, text: str, posted: Iterable[Any] = (), route: str | None = None) -> bool:
        """True when `text` shows the other set's marker (the request's own values and the
        BY_DESIGN selects of the page's `route` aside)."""
        low = without_by_design(route, text, self.other.marker, self.by_design_seen).lower()
        for value in posted:
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str) and v:
                    low = low.replace(v.lower(), "")
        return self.other.marker.lower() in low

    def body(self, response: Any) -> str:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return content.decode("utf-8", "replace")

    def request(self, client: Client, door_key: str, method: str, url: str,
                data: dict[str, Any] | None = None) -> Any:
        self.requests[door_key] += 1
        if method == "get":
            return client.get(url)
        return client.post(url, data or {})

    def unchanged(self, what: str) -> None:
        began = time.monotonic()
        now = digest()
        self.digest_seconds += time.monotonic() - began
        self.digests += 1
        if now != self.state:
            changed = sorted(t for t in now if now[t] != self.state.get(t))
            self.problems.append(f"{what}: rows changed (since the previous check) in "
                                 f"{', '.join(changed)}")
            self.state = now

    def check_text(self, what: str, client: Client, response: Any, posted: Iterable[Any] = (),
                   *, follow: bool = False) -> None:
        """No 5xx, no marker; after a POST, none on the page it redirects to (messages)."""
        # /healthz answers 503 by design while the walk's jobs wait with no worker running.
        degraded = response.status_code == 503 and response.request["PATH_INFO"] == "/healthz"
        if response.status_code >= 500 and not degraded:
            self.problems.append(f"{what}: {response.status_code}")
        if self.leaks(self.body(response), posted, route_of(response.request["PATH_INFO"])):
            self.problems.append(f"{what}: shows {self.other.marker}")
        if follow and response.status_code in (301, 302) and response.get(
                "Location", "").startswith("/"):
            follow = client.get(response["Location"])
            self.requests["(redirects followed)"] += 1
            if self.leaks(self.body(follow), posted, route_of(follow.request["PATH_INFO"])):
                self.problems.append(f"{what} -> {response['Location']}: shows {self.other.marker}")

    def query(self, template: str) -> str:
        return template.format(other_marker=self.other.marker,
                               other_member_id=self.other.tenant.member.member_id,
                               other_hsds_org=self.other.hsds_org_id)

    def post_json(self, role: str, client: Client, key: str, path: str, door: Door) -> None:
        """An API write whose JSON body names the other set's objects: refused (never
        200) and nothing changes; with the walker's own contract code too."""
        assert door.body is not None
        data = door.body(self.other, self.own)
        for body in (data, {**data, "contract": self.own.contract.code}):
            self.requests[key] += 1
            got = client.post(path, json.dumps(body), content_type="application/json")
            if got.status_code == 200:
                self.problems.append(f"POST {role} {key} {body}: 200")
            self.check_text(f"POST {role} {key}", client, got, body.values())
            self.unchanged(f"POST {role} {key}")

    def walk_door(self, role: str, client: Client, key: str, route: str, door: Door) -> None:
        assert door.kwargs is not None
        for kwargs in door.kwargs(self.other, self.own):
            url = fill(route, kwargs)
            what = f"{role} {key} {url}"
            if door.kind == "object":
                got = self.request(client, key, "get", url)
                if got.status_code not in (404, 405):
                    self.problems.append(f"GET {what}: {got.status_code}, not 404")
                self.check_text(f"GET {what}", client, got)
                if door.body is not None:
                    data = door.body(self.other, self.own)
                    got = self.request(client, key, "post", url, data)
                    if got.status_code != 404:
                        self.problems.append(f"POST {what}: {got.status_code}, not 404")
                    self.check_text(f"POST {what}", client, got, data.values(), follow=True)
                    self.unchanged(f"POST {what}")
            else:
                for q in door.query:
                    query = self.query(q)
                    got = self.request(client, key, "get", url + query)
                    # The page may show the search it was asked for; that is no leak.
                    asked = [unquote_plus(v) for v in re.findall(r"=([^&]*)", query)]
                    self.check_text(f"GET {what}{query}", client, got, asked)
                if door.body is not None and door.kind == "page":
                    data = door.body(self.other, self.own)
                    got = self.request(client, key, "post", url, data)
                    self.check_text(f"POST {what}", client, got, data.values(), follow=True)
                    self.unchanged(f"POST {what}")


def report(walk: Walk) -> None:
    assert walk.problems == [], "\n".join(walk.problems)
    # An allowance no page needs any more goes, so the list stays as narrow as it can.
    stale = sorted(set(BY_DESIGN) - walk.by_design_seen)
    assert stale == [], f"BY_DESIGN selects that never showed the other set: {stale}"


@pytest.fixture
def worlds() -> tuple[World, World]:
    return make_world("Azalea"), make_world("Quokka")


def test_every_door_is_walked() -> None:
    """A new URL pattern or API operation must get a door (and a way to walk it)."""
    patterns = {p for p in url_patterns() if not p.startswith(ADMIN_PREFIX)}
    assert sorted(patterns - set(DOORS)) == [], "URL patterns with no door in doors.py"
    assert sorted(set(DOORS) - patterns) == [], "doors in doors.py that no longer exist"
    operations = api_operations()
    assert sorted(operations - set(OPERATIONS)) == [], "API operations with no door"
    assert sorted(set(OPERATIONS) - operations) == [], "operations in doors.py that are gone"
    for key, door in {**DOORS, **OPERATIONS}.items():
        assert door.kind in {"object", "page", "public", "api", "fhir"}, key
        assert door.kind in ("api", "fhir") or door.kwargs is not None, key
        # A FHIR door is walked with partner tokens by tests/integration/fhir/: it says where.
        assert door.kind != "fhir" or door.why, key
        # A page with a form is POSTed, or the door says why not.
        assert door.kind != "page" or door.body is not None or door.why or not _has_post(key), key


def _has_post(key: str) -> bool:
    return key in {"organisations/network/", "organisations/new/", UPLOAD,
                   "organisations/network/invite/", "accounts/security/replace/",
                   "accounts/security/new/"}


def test_by_design_allowance_is_only_those_selects() -> None:
    """The other set's name is allowed inside a BY_DESIGN select of that page only."""
    allowed = '<select name="cbo" id="id_cbo"><option value="7">Quokka Pantry</option></select>'
    other = '<select name="hub" id="id_hub"><option value="7">Quokka Hub</option></select>'
    used: set[tuple[str, str]] = set()

    def shows(route: str, html: str) -> bool:
        return "quokka" in without_by_design(route, html, "Quokka", used).lower()

    assert not shows("organisations/", f"<h1>Network</h1>{allowed}<p>Azalea</p>")
    assert used == {("organisations/", "cbo")}
    assert shows("organisations/", f"{allowed}<li>Quokka Pantry · invited</li>")
    assert shows("organisations/", f"{allowed}<option>Quokka Pantry</option>")
    assert shows("organisations/", other)
    assert shows("organisations/<int:pk>/", allowed)
    assert shows("contracts/new/", allowed)
    assert not shows("contracts/new/",
                     other.replace('name="hub"', 'name="provider"') + "<h1>New contract</h1>")


def test_one_set_walks_every_door_of_the_other(worlds: tuple[World, World]) -> None:
    """One test, four walks over the same two sets (building them is the slow part)."""
    own, other = worlds
    started = time.monotonic()
    clients = {role: signed_in(own.users[role]) for role in ROLES}
    walk = Walk(own, other)
    walk_every_door(walk, clients)
    walk_own_objects(walk, clients)
    walk_uploads(walk, clients)
    walk_admin(walk, {r: clients[r] for r in ("hub_admin", "cbo_worker")})
    walked = {k for k in walk.requests if k in DOORS or k in OPERATIONS}
    missing = {k for k, d in {**DOORS, **OPERATIONS}.items() if d.kind not in ("api", "fhir")} - walked
    assert not missing, f"doors never walked: {sorted(missing)}"
    print(f"\ncross-tenant walk: {len(walked)} doors and {ADMIN_PREFIX} "
          f"({len(DOORS) + len(OPERATIONS)} in the registry), {sum(walk.requests.values())} "
          f"requests, {walk.digests} digests ({walk.digest_seconds:.1f}s), "
          f"{time.monotonic() - started:.1f}s")
    report(walk)
    still_catches_a_leak(walk, clients["hub_admin"])
    # The digest sees a change (it is no constant that would let every POST pass).
    before = digest()
    with scopes_disabled():
        Referral.objects.filter(pk=other.referral.pk).update(attempts=F("attempts") + 1)
    assert digest()["referrals_referral"] != before["referrals_referral"]


def still_catches_a_leak(walk: Walk, hub_admin: Client) -> None:
    """The marker outside the allowed select, on the very page that has one, is reported:
    the acting hub invites the other set's CBO (by design), and its Network page then
    lists the invitation by name beside the select."""
    other = walk.other
    got = hub_admin.post("/organisations/network/invite/", {"cbo": other.tenant.cbo.pk})
    assert got.status_code == 302, got.content.decode()[:500]
    walk.problems = []
    walk.check_text("after inviting", hub_admin, hub_admin.get("/organisations/"))
    assert walk.problems == [f"after inviting: shows {other.marker}"]


def walk_every_door(walk: Walk, clients: dict[str, Client]) -> None:
    own = walk.own
    # The audit trail first: later it holds the walk's own requests, which name the
    # other set's ids because the walk asked for them.
    for role, client in clients.items():
        walk.walk_door(role, client, "audit/", "audit/", DOORS["audit/"])
    for role, client in clients.items():
        for route, door in DOORS.items():
            if door.kind in ("object", "page", "public") and route != "audit/":
                walk.walk_door(role, client, route, route, door)
        for op, door in OPERATIONS.items():
            method, path = op.split(" ", 1)
            if method == "POST":
                walk.post_json(role, client, op, path, door)
                continue
            assert method == "GET", f"{op}: walk other methods here"
            walk.walk_door(role, client, op, path, door)
        walk.unchanged(f"{role}'s GETs")
        # The session still acts for the own organisation (the switch was refused).
        me = client.get("/api/me").json()
        if me["organisation"]["id"] not in (own.tenant.hub.pk, own.tenant.cbo.pk,
                                            own.tenant.payer.pk):
            walk.problems.append(f"{role}: now acting for {me['organisation']}")
    anonymous = Client()
    for route, door in DOORS.items():
        if door.kind == "public":
            walk.walk_door("anonymous", anonymous, route, route, door)


def walk_own_objects(walk: Walk, clients: dict[str, Client]) -> None:
    """The factories name real objects: some role of the owning set may GET each one
    (else a 404 for the other set would prove nothing); POST-only doors 404 on GET."""
    own, other = walk.own, walk.other
    opened: dict[str, set[int]] = {}
    doors = {**{k: (k, d) for k, d in DOORS.items()},
             **{k: (k.split(" ", 1)[1], d) for k, d in OPERATIONS.items()}}
    for key, (route, door) in doors.items():
        if door.kind != "object":
            continue
        assert door.kwargs is not None
        for kwargs in door.kwargs(own, other):
            url = fill(route, kwargs)
            codes = opened.setdefault(key, set())
            for role in ROLES:  # until one may GET it; POST-only doors are tried by all
                codes.add(clients[role].get(url).status_code)
                walk.requests["(own objects)"] += 1
                if 200 in codes:
                    break
    no_get = sorted(k for k, codes in opened.items() if 200 not in codes)
    if no_get != sorted(POST_ONLY):
        walk.problems.append(f"object doors no role of the owner may GET: {no_get}, "
                             f"expected {sorted(POST_ONLY)}")
    walk.unchanged("GETs of own objects")


def walk_uploads(walk: Walk, clients: dict[str, Client]) -> None:
    own, other = walk.own, walk.other
    o, me = other.tenant, own.tenant
    roster = ("member_id,first_name,last_name,birth_date,sex,product,enroll_start,enroll_end\n"
              "W1,Wren,Walker,1950-02-03,F,medicaid,2025-01-01,\n")
    ranked_other = (f"member_id,rank,selected,reasons\n{o.member.member_id},1,true,x\n"
                    f"{other.member2.member_id},2,true,x\n")
    cases: list[tuple[str, dict[str, Any], str, bytes]] = [
        ("roster for the other plan", {"kind": "roster", "plan": o.payer.pk}, "r.csv",
         roster.encode()),
        ("ranked list for the other plan", {
            "kind": "ranked", "plan": o.payer.pk, "contract_code": other.contract.code,
            "service_code": "HDM", "hub": o.hub.pk, "assign": "on"}, "r.csv",
         ranked_other.encode()),
        ("ranked list for the own plan sent to the other hub", {
            "kind": "ranked", "plan": me.payer.pk, "contract_code": own.contract.code,
            "service_code": "HDM", "hub": o.hub.pk, "assign": "on"}, "r.parquet",
         parquet_bytes({"member_id": [me.member.member_id], "rank": [1], "selected": [True]})),
        ("ranked list for the own plan naming the other's members", {
            "kind": "ranked", "plan": me.payer.pk, "contract_code": own.contract.code,
            "service_code": "HDM", "hub": me.hub.pk, "assign": "on"}, "r.csv",
         ranked_other.encode()),
    ]
    for role, client in clients.items():
        for name, data, filename, content in cases:
            upload = SimpleUploadedFile(filename, content)
            got = walk.request(client, UPLOAD, "post", "/referrals/upload/",
                               {**data, "file": upload})
            what = f"{role} upload {name}"
            if got.status_code == 302 and "/jobs/" in got["Location"]:
                # An upload the acting organisation may make starts a job, which checks
                # the rows: naming the other set's members, it fails and saves nothing.
                job = _run_started_job(got["Location"])
                if job.status != "failed":
                    walk.problems.append(f"{what}: the job {job.status}, not refused")
                _only_job_rows_changed(walk, what)
                continue
            if got.status_code not in (400, 404):
                walk.problems.append(f"{what}: {got.status_code}, not refused")
            walk.check_text(what, client, got, [o.member.member_id, other.member2.member_id,
                                                other.contract.code], follow=True)
            walk.unchanged(what)


def _run_started_job(location: str) -> Any:
    from django.utils.module_loading import import_string

    from carehub.jobs.models import Job

    with scopes_disabled():
        job = Job.objects.get(pk=location.rstrip("/").split("/")[-1])
    import_string(job.task_path).func(str(job.pk))
    with scopes_disabled():
        job.refresh_from_db()
    return job


def _only_job_rows_changed(walk: Walk, what: str) -> None:
    """The job's own row, its queue entry and the starter's notice that it failed may
    change; nothing else."""
    now = digest()
    changed = sorted(t for t in now if now[t] != walk.state.get(t))
    others = [t for t in changed if not t.startswith(("jobs_", "django_tasks", "notifications_"))]
    if others:
        walk.problems.append(f"{what}: rows changed in {', '.join(others)}")
    walk.state = now


def walk_admin(walk: Walk, clients: dict[str, Client]) -> None:
    """The Django admin (every admin/ pattern) shows nothing to the organisations' users.
    No organisation role makes a user staff; the most and the least privileged walk it."""
    other = walk.other
    objects = [other.referral, other.tenant.member, other.contract, other.service, other.site,
               other.credential, other.tenant.cbo, other.users["cbo_worker"], other.escalation,
               other.consent, other.ranked_list, other.task]
    urls = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        urls += [f"/admin/{meta.app_label}/{meta.model_name}/",
                 f"/admin/{meta.app_label}/{meta.model_name}/add/"]
    for obj in objects:
        meta = obj._meta
        if type(obj) in admin.site._registry:
            urls.append(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/")
    for role, client in clients.items():
        for url in urls:
            got = walk.request(client, ADMIN_PREFIX, "get", url)
            what = f"{role} GET {url}"
            if got.status_code not in (302, 404) or (
                    got.status_code == 302 and "login" not in got["Location"]):
                walk.problems.append(f"{what}: {got.status_code} {got.get('Location', '')}")
            walk.check_text(what, client, got)
    walk.unchanged("admin walk")

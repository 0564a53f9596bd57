"""Browser tests: Playwright driving Debian's chromium against a live test server.

The set-up every browser test shares lives here:

- `page`: a fresh phone-sized page on the live server (`page.base_url`). When the test
  ends it fails on any console error, uncaught script error, Content Security Policy
  violation or unexpected 4xx/5xx answer the page met, and runs axe-core on the page it
  ends on. `page.checks.expect_status(400)` allows answers a test provokes on purpose.
- `visit(page, path)`: open a page and check it with axe-core (`check_accessibility`).
- `tenant`: the "Alpha" tenant of tests/integration (plan, hub, CBO, a user per role).
- `sign_in(page, username, password)`: the sign-in form, nothing more;
  `sign_in_verified(page, user)`: sign in and pass the second factor (a confirmed
  authenticator device is made for the user when it has none).
- `shot(page, name)`, `fits_the_screen(page)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import CHROMIUM
from tests.integration.conftest import PASSWORD, Tenant, make_tenant  # noqa: F401  (re-exported for e2e tests)

# Playwright's sync API runs an event loop in this thread; Django's guard against
# database calls from async code would otherwise stop the test's own queries.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# A browser test run once on a phone and once on a desk (overrides the `viewport` fixture).
BOTH_WIDTHS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])

# axe-core from npm, vendored for the tests only (docs/decisions/0007).
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")

# Reports each CSP violation to the test, across navigations (see `page` below).
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__carehubCsp(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
                      + ` at ${e.sourceFile || location.href}:${e.lineNumber}`);
});
"""


@dataclass
class BrowserChecks:
    """What went wrong in the browser while a test ran; empty lists when all is well."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    expected: set[int] = field(default_factory=set)
    checked_urls: list[str] = field(default_factory=list)

    def expect_status(self, *statuses: int) -> None:
        """Answers with these statuses are the test's intent, not a fault."""
        self.expected.update(statuses)

    def on_response(self, response: Any) -> None:
        if response.status < 400 or response.status in self.expected:
            return
        if response.url.endswith("/favicon.ico"):  # the browser's own request
            return
        self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        # The browser logs every 4xx/5xx answer; `on_response` judges those.
        if message.text.startswith("Failed to load resource"):
            return
        self.console_errors.append(message.text)

    def problems(self) -> list[str]:
        return [*(f"console: {e}" for e in self.console_errors),
                *(f"script error: {e}" for e in self.page_errors),
                *(f"CSP violation: {e}" for e in self.csp_violations),
                *(f"unexpected answer: {e}" for e in self.bad_responses),
                *(f"accessibility: {e}" for e in self.accessibility)]


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """The page's size; override (or parametrize) in a test module for a desktop."""
    return PHONE


@pytest.fixture
def page(chromium_browser, live_server, viewport):  # type: ignore[no-untyped-def]
    """A fresh browser page on the live server, checked when the test ends."""
    context = chromium_browser.new_context(viewport=viewport)
    checks = BrowserChecks()
    context.expose_binding("__carehubCsp", lambda source, text: checks.csp_violations.append(text))
    context.add_init_script(_CSP_LISTENER)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server.url  # type: ignore[attr-defined]
    pg.checks = checks  # type: ignore[attr-defined]
    pg.console_errors = checks.console_errors  # type: ignore[attr-defined]  (older tests read it)
    pg.on("console", checks.on_console)
    pg.on("pageerror", lambda error: checks.page_errors.append(str(error)))
    pg.on("response", checks.on_response)
    yield pg
    if pg.url.startswith(live_server.url) and pg.url not in checks.checked_urls:
        check_accessibility(pg, fail=False)
    context.close()
    problems = checks.problems()
    assert not problems, "the browser met problems:\n" + "\n".join(problems)


def check_accessibility(page: Any, *, fail: bool = True) -> list[str]:
    """Run axe-core on the page as it is now; serious or critical violations fail the test
    (at once, or when it ends with `fail=False`)."""
    # Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by
    # the Content Security Policy, which allows no inline script.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")
    found = [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}"
             for v in result if v["impact"] in AXE_IMPACTS]
    page.checks.checked_urls.append(page.url)
    if fail:
        assert not found, "axe-core:\n" + "\n".join(found)
    else:
        page.checks.accessibility.extend(found)
    return found


def visit(page: Any, path: str) -> None:
    """Open `path` on the live server and check the page with axe-core."""
    page.goto(f"{page.base_url}{path}")
    check_accessibility(page)


@pytest.fixture
def tenant(transactional_db: Any) -> Tenant:
    return make_tenant("Alpha")


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form (checked with axe-core on the way)."""
    visit(page, "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def device_for(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def enter_code(page: Any, device: TOTPDevice) -> None:
    """On the second-factor page: type the code the user's app shows now."""
    page.get_by_label("Six-digit code").wait_for()
    check_accessibility(page)
    page.get_by_label("Six-digit code").fill(str(totp(device.bin_key)).zfill(6))
    page.get_by_role("button", name="Verify").click()


def sign_in_verified(page: Any, user: Any) -> None:
    """Sign in as `user` and pass the second factor, landing on a page with a heading."""
    device = device_for(user)
    sign_in(page, user.username)
    enter_code(page, device)
    page.wait_for_selector("h1")


def shot(page: Any, name: str, full: bool = True) -> None:
    """A screenshot into $CAREHUB_SCREENSHOTS, when set (to look at the pages)."""
    folder = os.environ.get("CAREHUB_SCREENSHOTS")
    if folder:
        # caret="initial": hiding the caret injects a style the page's CSP (rightly) refuses,
        # which would fail the test as a CSP violation.
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full,
                        caret="initial")


def fits_the_screen(page: Any) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def worker(live_server: Any, transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real `carehub worker` loop (heartbeat, take-over; no scheduler) running beside the
    live server for the test, so jobs a page starts actually run:

        def test_import_shows_its_bar(page, tenant, worker):
            ...start the job from the page, then watch `progress` on the page...

    It runs in a thread of this process because the SQLite test database is in memory
    and reachable only from here; like the live server's threads, it then shares the
    test's connection, and transactions of the threads are taken one at a time (a lock
    around `transaction.atomic`), since a shared connection has one transaction state.
    On PostgreSQL the thread has its own connection and nothing is shared. The worker is
    stopped (after its current chunk) when the test ends. `worker.worker_id` names it.
    """
    import threading

    from django.db import connections, transaction

    from carehub.jobs.worker import CarehubWorker

    shared = {c.alias: c for c in connections.all()
              if c.vendor == "sqlite" and c.is_in_memory_db()}
    if shared:
        one_at_a_time = threading.RLock()
        enter, leave = transaction.Atomic.__enter__, transaction.Atomic.__exit__

        def locked_enter(self: Any) -> None:
            one_at_a_time.acquire()
            try:
                enter(self)
            except BaseException:
                one_at_a_time.release()
                raise

        def locked_exit(self: Any, *exc: Any) -> None:
            try:
                leave(self, *exc)
            finally:
                one_at_a_time.release()

        monkeypatch.setattr(transaction.Atomic, "__enter__", locked_enter)
        monkeypatch.setattr(transaction.Atomic, "__exit__", locked_exit)
        # The loop claims a task in an EXCLUSIVE transaction (for other processes); on a
        # connection shared by threads that fails while another thread reads, and the
        # lock above already keeps the threads' transactions apart.
        from django_tasks_db.management.commands import db_worker

        monkeypatch.setattr(db_worker, "exclusive_transaction",
                            lambda using=None: transaction.atomic(using=using))
        # An in-memory test database is a shared cache, locked table by table: a read in
        # progress in one thread would make another thread's write fail ("database
        # table is locked"). Reads that take no table lock let the worker write while a
        # page reads (the transactions themselves are kept apart by the lock above).
        for conn in shared.values():
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = true")

    def use_shared() -> None:
        for alias, conn in shared.items():
            connections[alias] = conn

    class TestWorker(CarehubWorker):
        def _housekeeping_loop(self) -> None:
            use_shared()
            super()._housekeeping_loop()

    loop = TestWorker(worker_id="e2e-worker", interval=0.1, housekeeping_every=0.5,
                      schedule=False, startup_delay=False)

    def run() -> None:
        use_shared()
        try:
            loop.run()
        finally:
            connections.close_all()  # this thread's own (a shared in-memory one stays open)

    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = threading.Thread(target=run, name="e2e-worker", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.stop()
        thread.join(timeout=60)
        for conn in shared.values():
            conn.dec_thread_sharing()
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = false")
        assert not thread.is_alive(), "the worker did not stop"

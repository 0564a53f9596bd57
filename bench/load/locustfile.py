"""A CBO worker's day against a running carehub: `bench/load/run.py` drives this.

Each simulated user signs in as its own worker (`loadw01`, `loadw02`, … from
bench/load/seed.py), then repeats: home page, inbox, open one of its referrals, log an
outreach attempt, move the referral on (to contacted, then closed), add a
case note and view the member's page. Posts go as htmx does (HX-Request), so a refused
action shows up as a 4xx and counts as an error. Think time 1–3 s between requests.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
import struct
import time
from typing import Any

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "carehub-demo-2026")
PREFIX = os.environ.get("LOAD_USER_PREFIX", "loadw")
# How many workers bench/load/seed.py created; user numbers wrap round within them.
WORKERS = int(os.environ.get("LOAD_WORKERS", "50"))
TOTP_KEY = os.environ.get("LOAD_TOTP_KEY", "")  # hex, when workers need a second factor
_numbers = itertools.count(1)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFERRAL = re.compile(r'href="/referrals/(\d+)/"')
VERSION = re.compile(r'name="version" value="(\d+)"')
MEMBER = re.compile(r'href="/referrals/member/(\d+)/"')
STATE = re.compile(r'id="referral-state">([^<]+)<')
# Client-side plan for each referral: (attempt outcome, next state, extra form fields).
# The first attempt on an assigned referral moves it to outreach by itself.
STEPS: dict[str, tuple[str, str, dict[str, str]]] = {
    "assigned": ("reached", "contacted", {}),
    "outreach": ("reached", "contacted", {}),
    "contacted": ("reached", "closed", {"close_reason": "other"}),
}


def totp(key_hex: str, step: int = 30, digits: int = 6) -> str:
    counter = struct.pack(">Q", int(time.time()) // step)
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


class CboWorker(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.username = f"{PREFIX}{(next(_numbers) - 1) % WORKERS + 1:02d}"
        self.referrals: list[int] = []
        self.states: dict[int, str] = {}
        self.current: int | None = None
        self.version = 0
        self.member: int | None = None
        self.signed_in = False
        self._sign_in()

    def _sign_in(self) -> None:
        """A failed sign-in counts as a failed request; the next round tries again."""
        page = self.client.get("/accounts/login/", name="sign in (form)")
        response = self.client.post(
            "/accounts/login/", name="sign in",
            data={"username": self.username, "password": PASSWORD,
                  "csrfmiddlewaretoken": self._csrf(page.text)},
            headers={"Referer": page.url})
        if "/accounts/login/verify" in response.url and TOTP_KEY:
            response = self.client.post(
                response.url, name="sign in (second factor)",
                data={"token": totp(TOTP_KEY), "csrfmiddlewaretoken": self._csrf(response.text)},
                headers={"Referer": response.url})
        self.signed_in = response.ok and "/accounts/login" not in response.url

    def _csrf(self, html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else self.client.cookies.get("csrftoken", "")

    def _post(self, path: str, name: str, data: dict[str, str]) -> Any:
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(path, data=data, name=name, catch_response=True,
                              headers={"HX-Request": "true",
                                       "X-CSRFToken": data["csrfmiddlewaretoken"],
                                       "Referer": self.host + path}) as response:
            if response.status_code >= 400:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            elif response.headers.get("X-Conflict"):
                response.failure("conflict: the referral changed underneath")
            found = VERSION.search(response.text or "")
            if found:
                self.version = int(found.group(1))
        return response

    def _inbox(self) -> None:
        page = self.client.get("/referrals/", name="inbox")
        for pk in map(int, REFERRAL.findall(page.text)):
            if pk not in self.states:
                self.referrals.append(pk)
                self.states[pk] = "assigned"

    def _pick(self) -> int | None:
        open_ones = [pk for pk in self.referrals if self.states[pk] in STEPS]
        return open_ones[0] if open_ones else None  # all closed: only the pages remain

    @task
    def day(self) -> None:
        if not self.signed_in:
            self._sign_in()
            return
        self.client.get("/", name="home")
        self._inbox()
        self.current = self._pick()
        if self.current is None:
            return
        pk = self.current
        page = self.client.get(f"/referrals/{pk}/", name="referral")
        found, member = VERSION.search(page.text), MEMBER.search(page.text)
        self.version = int(found.group(1)) if found else self.version
        self.member = int(member.group(1)) if member else self.member
        shown = STATE.search(page.text)  # the server's word, not the plan's
        if shown:
            self.states[pk] = shown.group(1).strip().lower()
        state = self.states[pk]
        if state in STEPS:
            outcome, target, extra = STEPS[state]
            self._post(f"/referrals/{pk}/attempt/", "log attempt",
                       {"version": str(self.version), "channel": "phone", "outcome": outcome,
                        "note": ""})
            moved = self._post(f"/referrals/{pk}/transition/", "move state",
                               {"version": str(self.version), "target": target, "note": "",
                                "decline_reason": "", **{"close_reason": "", **extra}})
            if moved.ok:
                self.states[pk] = target
        self._post(f"/referrals/{pk}/note/", "case note",
                   {"text": f"Called about meal delivery times ({self.username})."})
        if self.member is not None:
            self.client.get(f"/referrals/member/{self.member}/", name="member page")

"""The reporting page lists the areas a role may use, and only those."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    ("hub_admin", ["Scorecard", "Joint operating committees", "ROI and value", "Community voice",
                   "CBO readiness", "Resource library", "Renewal reviews"],
     ["Feedback to the hub"]),
    ("payer_manager", ["Scorecard", "ROI and value", "Community voice", "CBO readiness"],
     ["Resource library", "Feedback to the hub"]),
    ("cbo_supervisor", ["Scorecard", "Joint operating committees", "Feedback to the hub",
                        "Resource library"],
     ["ROI and value", "Renewal reviews"]),
])
def test_each_role_sees_its_areas(tenant, login_as, role, shown, hidden):
    page = login_as(tenant.users[role]).get(reverse("reporting:index"))
    assert page.status_code == 200
    text = page.content.decode()
    for label in shown:
        assert f">{label}</a>" in text, label
    for label in hidden:
        assert f">{label}</a>" not in text, label


def test_the_header_has_one_reporting_link_and_a_worker_keeps_the_library(tenant, login_as):
    hub = login_as(tenant.users["hub_admin"]).get(reverse("reporting:index")).content.decode()
    assert hub.count('href="/reporting/"') >= 1 and 'href="/reporting/voice/">Community' not in hub.split("<main")[0]
    worker = login_as(tenant.users["cbo_worker"]).get(reverse("reporting:resources"))
    assert worker.status_code == 200
    assert 'href="/reporting/resources/"' in worker.content.decode().split("<main")[0]


def test_an_auditor_is_answered_404(tenant, login_as):
    assert login_as(tenant.users["auditor"]).get(reverse("reporting:index")).status_code == 404

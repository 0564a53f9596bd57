"""The pack as PDF, looked at as a person would: every page rendered to an image
(/tmp/joc-pack-N.png), its text read back, charts present as drawn pixels, nothing past
the margins; and the job that draws it from the meeting's pack page."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from carehub.jobs.models import Job
from carehub.jobs.runner import run_job
from carehub.reporting import joc_pack, joc_pack_pdf
from carehub.reporting.joc_pack_job import pack_body, pack_path
from carehub.reporting.services import joc as services
from tests.integration.conftest import acting_as
from tests.integration.reporting.joc_world import build, story_consent
from tests.integration.reporting.scorecard_world import (
    make_members,
    make_referrals,
    seeds_sample_plan,
)

pytestmark = pytest.mark.django_db
MM = 72 / 25.4  # PDF points per millimetre
STORY = "Meals arrive every day and she cooks for her grandchildren again."


def held(tenant, *, sample: bool = False):  # type: ignore[no-untyped-def]
    w = build(tenant)
    if sample:
        # The seeds' sample month: 2,069 assigned, 1,642 outreached, 866 contacted, 420
        # accepted support, all made in the meeting's month.
        plan = seeds_sample_plan()
        members = make_members(tenant.payer, len(plan), "S", hub=tenant.hub)
        make_referrals(w.contract, tenant.cbo, members, plan, date(2026, 11, 10))
    hub = acting_as(tenant.users["hub_admin"])
    story_consent(tenant, w.members["active"])
    with scope(organisation=tenant.hub.pk):
        services.add_story(w.meeting, acting=hub, member=w.members["active"],
                           told_by="Frontline worker", title="Back in her kitchen", text=STORY)
        for key in ("escalated", "failed"):
            services.list_for_conference(w.meeting, acting=hub, member=w.members[key],
                                         reason="open escalation: transportation",
                                         unresolved=True)
        services.record_minutes(w.meeting, acting=hub, minutes={
            "data_notes": "Outreach is two points under its goal.",
            "bottleneck_notes": "Referrals wait a day for the plan's roster " * 12,
            "payer_update": "The plan adds a housing benefit in January."}, present=set())
        services.add_action(w.meeting, acting=hub, text="Replace the ride vendor",
                            due_on=date(2026, 12, 15), owner_name="Hub operations")
    return w


def pages(body: bytes) -> list[tuple[str, object, object]]:
    doc = pdfium.PdfDocument(body)
    out = []
    for n, page in enumerate(doc, start=1):
        text = page.get_textpage().get_text_range()
        image = page.render(scale=1.5).to_pil()
        image.save(f"/tmp/joc-pack-{n}.png")
        out.append((text, page, image))
    return out


def test_the_pdf_reads_as_a_pack_and_stays_inside_its_margins(tenant):
    w = held(tenant, sample=True)
    acting = acting_as(tenant.users["hub_admin"])
    with scope(organisation=tenant.hub.pk):
        pack = joc_pack.build(acting, w.meeting, for_committee=True)
        body = joc_pack_pdf.render(pack)
    rendered = pages(body)
    assert len(rendered) >= 3
    every = "\n".join(t for t, _, _ in rendered)
    cover = rendered[0][0]
    assert "T-JOC committee" in cover and "meeting pack" in cover and "2026-11" in cover
    for heading in ("Agenda", "Member story", "Data presentation", "Process improvements "
                    "and program updates", "Organisational updates", "Action items",
                    "Barriers raised in escalations", "Case conferencing"):
        assert heading in every, heading
    assert "Back in her kitchen" in every and "Replace the ride vendor" in every
    assert "Transportation" in every  # the barrier tally
    assert "Unresolved issues" in every
    # The scorecard's figures, as the seeds' sample card has them.
    for figure in ("2,069", "1,642", "866", "420", "79%", "53%", "48%", "80%", "55%", "50%"):
        assert figure in every, figure
    assert "Outreach rate was 79% against a goal of 80% (Near): 1,642 of 2,069." in every
    # Charts: drawn as vector paths in a block of the data pages, with coloured pixels.
    data_pages = [(t, p, i) for t, p, i in rendered if "rates against goals" in t
                  or "last 12" in t]
    assert data_pages, "no chart on any page"
    for _, page, image in data_pages:
        paths = [o for o in page.get_objects(max_depth=3) if o.type == pdfium_c.FPDF_PAGEOBJ_PATH]
        assert len(paths) > 10
        colours = {px for px in image.convert("RGB").getdata() if len(set(px)) > 1}
        assert len(colours) > 3  # bars and points in colour, not only black text
    # The committee's copy names no member: no plan member ids, no names.
    for m in w.members.values():
        assert m.member_id not in every and m.first_name not in every
    for n, (_, page, _) in enumerate(rendered, start=1):
        width, height = page.get_size()
        for obj in page.get_objects(max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            assert left >= 15 * MM - 1 and right <= width - 15 * MM + 1, (n, obj.type, left,
                                                                          right)
            assert bottom >= 10 * MM - 1 and top <= height - 15 * MM + 1, (n, obj.type, bottom,
                                                                           top)


def test_the_pack_job_draws_the_pdf_for_the_download(tenant, login_as, tmp_path, settings):
    settings.VAR_DIR = str(tmp_path)
    w = held(tenant)
    client = login_as(tenant.users["hub_admin"])
    assert client.get(reverse("reporting:joc_pack_pdf", args=[w.meeting.pk])).status_code == 404
    answer = client.post(reverse("reporting:joc_pack_start", args=[w.meeting.pk]))
    assert answer.status_code == 302
    with scopes_disabled():
        job = Job.objects.get(kind="reporting.joc_pack")
    run_job(str(job.pk), pack_body)
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == "succeeded", job.__dict__
    assert pack_path(w.meeting).exists()
    download = client.get(reverse("reporting:joc_pack_pdf", args=[w.meeting.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF") and "T-JOC committee" in pages(body)[0][0]
    # A CBO on the committee downloads the same committee copy.
    cbo = login_as(tenant.users["cbo_supervisor"])
    assert cbo.get(reverse("reporting:joc_pack_pdf", args=[w.meeting.pk])).status_code == 200


def test_the_command_writes_the_pack(tenant, tmp_path):
    from django.core.management import call_command

    held(tenant)
    out = tmp_path / "pack.pdf"
    call_command("joc", "pack", "--contract", "T-JOC", "--period", "2026-11", "--out", str(out))
    text = "\n".join(t for t, _, _ in pages(out.read_bytes()))
    assert "Back in her kitchen" in text and "T-JOC" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--contract", "NOPE", "--period", "2026-11"], "--contract: no contract 'NOPE'"),
    (["--contract", "T-JOC", "--period", "2026-13"], "--period: '2026-13' is not a month"),
])
def test_the_command_names_the_bad_argument(tenant, tmp_path, capsys, args, message):
    from django.core.management import call_command

    build(tenant)
    with pytest.raises(SystemExit) as stopped:
        call_command("joc", "pack", *args, "--out", str(tmp_path / "x.pdf"))
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err



def test_small_cells_stay_suppressed_in_the_pack(tenant):
    w = held(tenant)
    members = make_members(tenant.payer, 6, "Q", hub=tenant.hub)
    make_referrals(w.contract, tenant.cbo, members, [("enrolled", None, True)] * 6,
                   date(2026, 11, 10))
    acting = acting_as(tenant.users["hub_admin"])
    with scope(organisation=tenant.hub.pk):
        pack = joc_pack.build(acting, w.meeting, for_committee=True)
        text = "\n".join(t for t, _, _ in pages(joc_pack_pdf.render(pack)))
    rows = {r["measure"]: r for r in pack.scorecard.rows}
    assert rows["Referrals assigned"]["count"] == "<11"
    assert rows["Outreach rate"]["value"] in ("", "suppressed")
    assert "6 of 6" not in text and "100%" not in text.split("Data presentation")[1]


def test_a_planned_meeting_has_no_absentees_until_it_is_held(tenant):
    w = build(tenant)
    acting = acting_as(tenant.users["hub_admin"])
    with scope(organisation=tenant.hub.pk):
        assert joc_pack.build(acting, w.meeting, for_committee=True).absent == []
        services.record_minutes(w.meeting, acting=acting, minutes={}, present=set())
        absent = joc_pack.build(acting, w.meeting, for_committee=True).absent
    assert "Dr. Outside" in absent and len(absent) == 4

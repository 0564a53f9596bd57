"""The pack as a background job (`reporting.joc_pack`): build the data, draw the PDF,
keep it as the meeting's committee copy under VAR_DIR/joc/packs/. Started from the
meeting's pack page; the page's download serves the file the last job wrote. Run again,
it writes the file again (a rebuild, never a second copy)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import reverse

from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.reporting import joc_pack, joc_pack_pdf
from carehub.reporting.models.joc import Meeting
from carehub.reporting.selectors import joc as selectors
from carehub.tenancy.access import Acting

PACK_KIND = "reporting.joc_pack"
STAGES = ("Reading the meeting and the scorecard", "Drawing the PDF", "Keeping the file")


def pack_path(meeting: Meeting) -> Path:
    # The meeting's creation time is part of the name: a database made again (a re-seeded
    # demo, a test run) reuses ids, and must never serve an earlier database's pack.
    made = meeting.created_at.strftime("%Y%m%dT%H%M%S%f")
    return Path(settings.VAR_DIR) / "joc" / "packs" / f"meeting-{int(meeting.pk)}-{made}.pdf"


def write_atomically(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(body)
    os.replace(partial, path)


def pack_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    try:
        meeting = selectors.get_meeting(acting, int(job.params["meeting"]))
    except Http404:
        raise JobFailed("The meeting of this pack no longer exists or is not yours to read.") \
            from None
    progress.stage(STAGES[0], len(STAGES), done=0)
    pack = joc_pack.build(acting, meeting, for_committee=True)
    progress.check_cancelled()
    progress.stage(STAGES[1], len(STAGES), done=1)
    body = joc_pack_pdf.render(pack)
    progress.stage(STAGES[2], len(STAGES), done=2)
    write_atomically(pack_path(meeting), body)
    progress.commit(done=len(STAGES))
    return Outcome(summary={"meeting": meeting.pk, "bytes": len(body)},
                   url=reverse("reporting:joc_pack_pdf", args=[meeting.pk]),
                   message=f"The pack of {meeting.committee.name} {meeting.period} is ready.")


@task()
def pack_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, pack_body)

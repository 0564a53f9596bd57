"""One step of bench/jobs.py, in its own process so its peak RSS is its own:

    jobs_child.py seed SIZES | roster SIZE FILE CHUNK | ranked SIZE FILE CHUNK
                 | assign SIZE FILE CHUNK
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import django

django.setup()

from django_scopes import scopes_disabled  # noqa: E402

from carehub.jobs import services as jobs  # noqa: E402
from carehub.jobs.runner import run_job  # noqa: E402
from carehub.members import jobfiles  # noqa: E402
from carehub.tenancy.models import Organisation  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(sizes: str) -> None:
    from tests.integration.conftest import make_tenant
    from tests.integration.referrals.conftest import contract_with_terms, directory_service

    for n in sizes.split(","):
        t = make_tenant(f"B{n}")
        directory_service(t.cbo)
        contract_with_terms(t, f"B{n}-MEALS", hub_may_upload_members=True)
    print("{}")


def acting_for(size: str):  # type: ignore[no-untyped-def]
    from tests.integration.conftest import acting_as

    from carehub.accounts.models import User

    with scopes_disabled():
        return acting_as(User.objects.get(username=f"B{size}-manager"))


def main() -> None:
    step, *args = sys.argv[1:]
    if step == "seed":
        seed(args[0])
        return
    size, file, chunk = args
    path = Path(file)
    acting = acting_for(size)
    with scopes_disabled():
        plan = Organisation.objects.get(slug=f"b{size}-plan")
        hub = Organisation.objects.get(slug=f"b{size}-hub")
    params = {"plan": plan.pk, "file": path.name, "path": str(path),
              "sha256": jobfiles.sha256_of(path), "chunk": int(chunk)}
    if step == "roster":
        from carehub.members.tasks import KIND, roster_import_body, roster_import_task

        body, task, kind = roster_import_body, roster_import_task, KIND
    elif step == "ranked":
        from carehub.referrals.tasks import RANKED_KIND, ranked_import_body, ranked_import_task

        body, task, kind = ranked_import_body, ranked_import_task, RANKED_KIND
        params.update(contract_code=f"B{size}-MEALS", service_code="HDM", hub=hub.pk)
    else:
        from carehub.referrals.models import RankedList
        from carehub.referrals.tasks import ASSIGN_KIND, assignment_body, assignment_task

        with scopes_disabled():
            ranked = RankedList.objects.get(plan=plan, name=path.name)
        body, task, kind = assignment_body, assignment_task, ASSIGN_KIND
        params = {"ranked": ranked.pk, "hub": hub.pk, "chunk": int(chunk)}
    job = jobs.start_job(task, kind=kind, title=f"bench {step}", acting=acting, params=params)
    before = rss_mb()
    trace = os.environ.get("BENCH_TRACE") == "1"
    if trace:  # Python's own allocations (slows the job: the timing is not comparable)
        tracemalloc.start()
    started = time.perf_counter()
    out = run_job(str(job.pk), body)
    seconds = time.perf_counter() - started
    python_peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else None
    summary = {k: v for k, v in (out.get("summary") or {}).items()
               if k in ("rows", "created", "updated", "unchanged", "assigned", "already_owned",
                        "refused_count", "ranked_list_new")}
    if out["status"] != "succeeded":
        with scopes_disabled():
            job.refresh_from_db()
        summary = {"status": out["status"], "message": job.message, "errors": job.errors[:3]}
    rows = sum(1 for _ in path.open()) - 1
    print(json.dumps({"job": kind, "rows": rows, "seconds": seconds, "peak_mb": rss_mb(),
                      "before_mb": before, "python_peak_mb": python_peak,
                      "summary": summary}))


if __name__ == "__main__":
    main()

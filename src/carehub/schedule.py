"""What the workers run on a schedule: one line per periodic task.

Each entry is (name, task, when, title): `Every(timedelta)` runs at that interval,
`DailyAt(time)` once a day at that site time. The task is an ordinary job task on the
queue `periodic` (`@task(queue_name="periodic")` in its app's `tasks.py`, body run by
`run_job`), so each run is a site-wide Job row. Adding periodic work is adding a line
here (docs/jobs.md). The setting CAREHUB_SCHEDULE names this list.
"""

from __future__ import annotations

from datetime import time, timedelta

from carehub.contracts.tasks import notify_credentials_task, notify_renewals_task
from carehub.exchange.tasks_exchange import exchange_due_task, exchange_run_task
from carehub.jobs.scheduler import DailyAt, Entry, Every
from carehub.jobs.tasks import audit_seal_task, audit_verify_task
from carehub.notifications.tasks import send_digests_task
from carehub.referrals.tasks import escalate_task, notify_overdue_task
from carehub.reporting.tasks_scorecard import scorecard_facts_full_task, scorecard_facts_task

SCHEDULE: list[Entry] = [
    Entry("referrals.escalate", escalate_task, Every(timedelta(minutes=5)),
          "Move overdue escalations up"),
    Entry("audit.seal", audit_seal_task, Every(timedelta(minutes=5)), "Seal the audit chain"),
    Entry("audit.verify", audit_verify_task, DailyAt(time(3, 30)), "Verify the audit chain"),
    Entry("contracts.notify_renewals", notify_renewals_task, DailyAt(time(6, 30)),
          "Tell of contract renewals coming"),
    Entry("contracts.notify_credentials", notify_credentials_task, DailyAt(time(6, 35)),
          "Tell of staff credentials expiring"),
    Entry("referrals.notify_overdue", notify_overdue_task, DailyAt(time(7, 0)),
          "Tell teams of overdue work"),
    Entry("notifications.digest", send_digests_task, DailyAt(time(7, 30)),
          "Send the daily digests"),
    Entry("reporting.scorecard_facts", scorecard_facts_task, Every(timedelta(minutes=10)),
          "Bring the scorecard's figures up to date"),
    Entry("reporting.scorecard_facts_full", scorecard_facts_full_task, DailyAt(time(2, 30)),
          "Recount the scorecard's figures in full"),
    Entry("exchange.run", exchange_run_task, Every(timedelta(minutes=5)),
          "Process the drop folders and SFTP pick-ups"),
    Entry("exchange.due_check", exchange_due_task, DailyAt(time(6, 45)),
          "Tell of data set files not delivered on time"),
]

"""`carehub referrals_escalate`: move unanswered escalations past their due time up one
level, tell the next level by mail, and say what moved. Meant for cron every few minutes;
running it again at once changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carehub.referrals.services import move_up_overdue
from carehub.tenancy.access import Acting


class Command(BaseCommand):
    help = "Move escalations unanswered past their due time up to the next level."

    def handle(self, *args: Any, **opts: Any) -> None:
        run = move_up_overdue(acting=Acting.system())
        for m in run.moved:
            self.stdout.write(
                f"escalation {m.escalation_id} (referral {m.referral_id}): level "
                f"{m.from_level} -> {m.to_level}, now waits for the "
                f"{m.role.replace('_', ' ')} until {m.due_at:%Y-%m-%d %H:%M %Z}")
        for row in run.at_top:
            self.stdout.write(
                f"escalation {row.pk} (referral {row.referral_id}): overdue at the last "
                f"level {row.level} ({row.role.replace('_', ' ')}), left as it is")
        mailed = (f", {run.mails} notice{'s' if run.mails != 1 else ''} mailed to the next "
                  "levels" if run.mails else "")
        self.stdout.write(f"{len(run.moved)} moved up, {len(run.at_top)} overdue at the last "
                          f"level{mailed}")

"""`carehub worker`: run background jobs and periodic work (see carehub/jobs/worker.py).

Ctrl-C or SIGTERM stops it gracefully: the job in hand finishes its current chunk and
the worker leaves (a second Ctrl-C stops at once; the job is then taken over by another
worker and resumes from its checkpoint).
"""

from __future__ import annotations

import logging
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import valid_interval, valid_max_tasks

from carehub.jobs.worker import HOUSEKEEPING_EVERY, CarehubWorker, new_worker_id


class Command(BaseCommand):
    help = ("Run background jobs from the queues 'default' and 'periodic', keep a heartbeat, "
            "take over jobs of workers that died, and schedule periodic work.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=valid_interval, default=1.0,
                            help="seconds to wait when the queue is empty (default 1)")
        parser.add_argument("--batch", action="store_true",
                            help="run what is ready, then exit")
        parser.add_argument("--max-tasks", type=valid_max_tasks, default=None,
                            help="exit after running this many tasks")
        parser.add_argument("--no-schedule", action="store_false", dest="schedule",
                            help="do not enqueue periodic work (another worker does)")
        parser.add_argument("--housekeeping-every", type=valid_interval,
                            default=HOUSEKEEPING_EVERY,
                            help="seconds between heartbeats, take-over and scheduler rounds "
                                 f"(default {HOUSEKEEPING_EVERY:g})")
        parser.add_argument("--exit-with-parent", action="store_true",
                            help="stop when the process that started this one is gone "
                                 "(`carehub demo` starts its worker so)")
        parser.add_argument("--worker-id", default="",
                            help="unique id in the pool (default: host-pid-random)")

    def handle(self, *args: Any, **options: Any) -> None:
        log = logging.getLogger("carehub.jobs")
        if not logging.getLogger().handlers and not log.handlers:
            log.addHandler(logging.StreamHandler(self.stderr))
        if options["verbosity"] > 1:
            log.setLevel(logging.DEBUG)
        elif options["verbosity"] == 1 and log.level == logging.NOTSET:
            log.setLevel(logging.INFO)
        worker = CarehubWorker(
            worker_id=(options["worker_id"] or new_worker_id())[:64],
            interval=options["interval"], batch=options["batch"],
            max_tasks=options["max_tasks"], schedule=options["schedule"],
            housekeeping_every=options["housekeeping_every"],
            startup_delay=not options["batch"],
            parent_pid=os.getppid() if options["exit_with_parent"] else None)
        self.stdout.write(f"worker {worker.worker_id} serving queues "
                          f"{', '.join(worker.queue_names)}"
                          f"{'' if options['schedule'] else ' (not scheduling)'}")
        self.stdout.flush()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            self.stdout.write(f"worker {worker.worker_id} stopped")

"""Audit appends per second with N concurrent writers (PostgreSQL).

Each writer is a thread with its own database connection that, in a loop, opens a
transaction, records one audit event through `carehub.audit.services.record` (the call
every page view makes) and keeps the transaction open for --hold-ms more, as a request
that writes other rows after its audit event would. Run it against a scratch database:

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/carehub_bench_audit \\
        PYTHONPATH=src .venv/bin/python bench/audit_append.py --writers 1,4,16 --hold-ms 0,5

The script migrates the database first. It only uses `record`, so it runs unchanged
against older versions of the code (point PYTHONPATH at their src/) for a before/after
comparison. When the code has a sealer (`services.seal`), it then times sealing the
backlog the run appended.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")
    os.environ.setdefault("CAREHUB_AUDIT_KEY", "bench-audit-key-" + "x" * 32)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/audit_append.py: set DATABASE_URL to a scratch PostgreSQL database")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def run(writers: int, hold: float, seconds: float) -> int:
    from django.db import connection, transaction

    from carehub.audit import services

    counts = [0] * writers
    start = threading.Barrier(writers + 1)
    deadline = [0.0]

    def writer(i: int) -> None:
        connection.ensure_connection()
        start.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            with transaction.atomic():
                services.record("view", object_type="bench", object_id=f"{i}-{n}")
                if hold:
                    time.sleep(hold)
            n += 1
        counts[i] = n
        connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    start.wait()
    for t in threads:
        t.join()
    return sum(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,4,16", help="comma-separated writer counts")
    parser.add_argument("--hold-ms", default="0,5", help="comma-separated time each transaction stays open after the append")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run")
    args = parser.parse_args()
    setup()
    from carehub.audit import services

    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'writers':>7} {'hold ms':>7} {'appends':>8} {'appends/s':>10}")
    for hold_ms in [float(h) for h in args.hold_ms.split(",")]:
        for writers in [int(w) for w in args.writers.split(",")]:
            total = run(writers, hold_ms / 1000, args.seconds)
            print(f"{writers:>7} {hold_ms:>7g} {total:>8} {total / args.seconds:>10.1f}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    seal = getattr(services, "seal", None)
    if seal is not None:
        started = time.perf_counter()
        result = seal(write_checkpoint=False)
        took = time.perf_counter() - started
        print(f"sealed {result.sealed} events in {took:.2f} s ({result.sealed / took if took else 0:.0f} events/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

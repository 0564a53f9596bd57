"""Load test runner: seed a database, serve it with gunicorn, run locust, report.

    PYTHONPATH=src python bench/load/run.py --db postgres --users 50 --duration 10m
    PYTHONPATH=src python bench/load/run.py --db sqlite --users 10 --duration 10m

PostgreSQL: (re)creates the database named by --pg-db on --pg-url's server, seeds it with
`carehub demo --no-serve --members N` and bench/load/seed.py (one worker per simulated
user). SQLite: the same into a fresh file under a temporary folder. Then gunicorn serves
carehub.wsgi on 127.0.0.1 (several workers and threads), locust runs headless with the
CBO worker's day in bench/load/locustfile.py, everything is stopped, and the request
count, error rate and p50/p95 per request type are printed. Exit status 1 when any
request failed. Load only ever goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
DEFAULT_PORT = 18183  # a loopback port away from the demo's 8000


def run(argv: list[str], env: dict[str, str]) -> None:
    print("+", " ".join(argv), flush=True)
    subprocess.run(argv, env=env, check=True, cwd=ROOT)


def prepare(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "DJANGO_SETTINGS_MODULE": "carehub.settings", "CAREHUB_DEBUG": "0"}
    if args.db == "postgres":
        base = args.pg_url.rstrip("/")
        admin = [f"--maintenance-db={base}/postgres"]
        subprocess.run(["dropdb", "--if-exists", "--force", *admin, args.pg_db], check=True)
        subprocess.run(["createdb", *admin, args.pg_db], check=True)
        env["DATABASE_URL"] = f"{base}/{args.pg_db}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'carehub.sqlite3'}"
    env["CAREHUB_VAR"] = str(workdir)
    carehub = str(BIN / "carehub")
    run([carehub, "demo", "--no-serve", "--members", str(args.members)], env)
    run([sys.executable, str(HERE / "seed.py"), "--workers", str(args.users),
         "--referrals", str(args.referrals)], env)
    return env


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout}s")


def report(prefix: Path, users: int, duration: str, db: str) -> int:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    print(f"\n{db}: {users} users for {duration}")
    print(f"{'request':<26} {'count':>7} {'errors':>7} {'error %':>8} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'req/s':>7}")
    failed = 0
    for row in rows:
        count, errors = int(row["Request Count"]), int(row["Failure Count"])
        name = "all requests" if row["Name"] == "Aggregated" else row["Name"]
        rate = 100 * errors / count if count else 0.0
        print(f"{name:<26} {count:>7} {errors:>7} {rate:>7.2f}% {row['50%']:>8} "
              f"{row['95%']:>8} {float(row['Requests/s']):>7.2f}")
        if row["Name"] == "Aggregated":
            failed = errors
    failures = prefix.parent / f"{prefix.name}_failures.csv"
    if failed and failures.exists():
        print("\nfailures:")
        print(failures.read_text())
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="carehub load test (locust + gunicorn)")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--users", type=int, default=50, help="concurrent workers (default 50)")
    parser.add_argument("--duration", default="10m", help="locust run time, e.g. 90s, 10m")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--members", type=int, default=500, help="demo members to seed")
    parser.add_argument("--referrals", type=int, default=12, help="open referrals per worker")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="server to create the load database on")
    parser.add_argument("--pg-db", default="carehub_load")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="carehub-load-"))
    host = f"http://127.0.0.1:{args.port}"
    gunicorn: subprocess.Popen[bytes] | None = None
    server_log = (workdir / "server.log").open("wb")
    try:
        env = prepare(args, workdir)
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "carehub.wsgi:application", "--bind",
             f"127.0.0.1:{args.port}", "--workers", str(args.gunicorn_workers),
             "--threads", str(args.threads), "--timeout", "60",
             # Longer than locust's longest think time (3 s): with gunicorn's default of
             # 2 s the server closes idle connections just as the client reuses them, and
             # the client sees resets that no user behind a proxy would.
             "--keep-alive", "5",
             "--access-logfile", str(workdir / "access.log"),
             "--error-logfile", "-"],
            env=env, cwd=ROOT, start_new_session=True,
            stdout=server_log, stderr=subprocess.STDOUT)
        wait_ready(f"{host}/accounts/login/", gunicorn)
        prefix = workdir / "locust"
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", args.duration, "--host", host, "--csv", str(prefix),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            env={**os.environ, "LOAD_USER_PREFIX": "loadw", "LOAD_WORKERS": str(args.users)},
            cwd=ROOT)
        if locust.returncode not in (0, 1):  # 1 = some requests failed; reported below
            raise SystemExit(f"locust exited with {locust.returncode}")
        status = report(prefix, args.users, args.duration, args.db)
        server_log.flush()
        errors = [line for line in (workdir / "server.log").read_text(errors="replace")
                  .splitlines() if line and not line[0].isspace()
                  and ("Error" in line or "WORKER TIMEOUT" in line)]
        if errors:  # the server's own account of what failed (exception lines)
            print(f"\nserver errors logged: {len(errors)}; last: {errors[-1]}")
        return status
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        server_log.close()
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

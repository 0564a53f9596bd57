from __future__ import annotations

import base64
import errno
import os
import signal
import socket
import subprocess  # nosec B404 # starts carehub's own worker, no shell, no input
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from carehub.audit.services import seal as seal_audit_events
from carehub.demo import seed as demo

ADDR_ENV = "CAREHUB_DEMO_ADDR"
DEFAULT_ADDR = "127.0.0.1:8000"


def split_addr(addr: str) -> tuple[str, int]:
    """(host, port) of a runserver address: "8000", "127.0.0.1:8000", "[::1]:8000"."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{addr!r} is not an address such as 127.0.0.1:8000")
    return host, int(port)


def listen_problem(host: str, port: int) -> OSError | None:
    """Why runserver could not listen on host:port now, or None. It sets SO_REUSEADDR
    too, so a port left in TIME_WAIT by a stopped server counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        return exc
    return None


# How long a stopping worker may take to finish its current chunk before it is killed.
WORKER_STOP_SECONDS = 15


def start_worker() -> subprocess.Popen[bytes]:
    """`carehub worker` as a child, with this process's settings and environment; it
    leaves by itself should this process die without stopping it."""
    # A fixed argument list: this interpreter running carehub's own worker command.
    return subprocess.Popen(  # nosec B603
        [sys.executable, "-m", "carehub.cli", "worker", "--exit-with-parent"],
        env={**os.environ})


def stop_worker(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()  # SIGTERM: the worker finishes its chunk and leaves
        try:
            child.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _sigterm_as_exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = ("Migrate, seed the demo network and serve it at http://127.0.0.1:8000 "
            f"(another address: --addr or {ADDR_ENV}).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="seed and exit")
        parser.add_argument("--no-seed", action="store_true",
                            help="serve the database as it is (migrated, not seeded again)")
        parser.add_argument("--no-worker", action="store_true",
                            help="serve without starting a background worker")
        parser.add_argument("--members", type=int, default=demo.DEMO_MEMBERS)
        parser.add_argument(
            "--addr", default=os.environ.get(ADDR_ENV) or DEFAULT_ADDR,
            help=f"host:port to serve on (default {DEFAULT_ADDR}, or ${ADDR_ENV})")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["members"] <= 0:
            self.stderr.write("--members must be a positive whole number")
            raise SystemExit(2)
        if not options["no_serve"]:
            self._check_addr(options["addr"])  # before seeding, which takes a while
        call_command("migrate", verbosity=0, interactive=False)
        if not options["no_seed"]:
            demo.seed(members=options["members"], log=lambda s: self.stdout.write(f"  {s}"))
            # Chain the seed's audit events now, so `carehub audit verify` passes straight away.
            sealed = seal_audit_events()
            self.stdout.write(f"  audit chain sealed to position {sealed.position}")
        secret = base64.b32encode(bytes.fromhex(demo.DEMO_TOTP_KEY)).decode()
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
        for username, what in demo.logins():
            self.stdout.write(f"  {username:<12} {what}")
        self.stdout.write(
            f"\nhubadmin signs in with a second factor: add the key {secret} to an authenticator app,\n"
            "or run `carehub demo_code` for the current six-digit code.\n"
        )
        if not options["no_serve"]:
            self._serve(options["addr"], worker=not options["no_worker"])

    def _serve(self, addr: str, *, worker: bool) -> None:
        """The web server here and one `carehub worker` beside it; the worker is stopped
        whenever the server stops: Ctrl-C, SIGTERM, or the server failing."""
        child = start_worker() if worker else None
        if child is not None:
            self.stdout.write(f"Background worker started (pid {child.pid}).")
        self.stdout.write(f"Serving the demo at http://{addr}/ (Ctrl-C stops it)")
        self.stdout.flush()
        previous = signal.signal(signal.SIGTERM, _sigterm_as_exit)
        try:
            call_command("runserver", addr, use_reloader=False, insecure_serving=True)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if child is not None:
                stop_worker(child)
                self.stdout.write(f"Background worker stopped (pid {child.pid}).")

    def _check_addr(self, addr: str) -> None:
        try:
            host, port = split_addr(addr)
        except ValueError as exc:
            self.stderr.write(f"carehub demo: --addr {exc}")
            raise SystemExit(2) from None
        problem = listen_problem(host, port)
        if problem is None:
            return
        if problem.errno == errno.EADDRINUSE:
            spare = next((p for p in range(port + 1, min(port + 50, 65536))
                          if listen_problem(host, p) is None), None)
            other = f"{host}:{spare or 'PORT'}"
            why = "is already in use (is another server, or another demo, running there?)"
        else:
            other, why = f"127.0.0.1:{port}", f"cannot be listened on ({problem.strerror})"
        self.stderr.write(
            f"carehub demo: {host}:{port} {why}. Nothing was seeded.\n"
            f"Choose another address with --addr: `carehub demo --addr {other}`, or set "
            f"{ADDR_ENV}: `{ADDR_ENV}={other} make demo`.")
        raise SystemExit(2)

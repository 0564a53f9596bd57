"""File exchange set-up: a contract in effect between the tenant's plan and hub, data
sets made through the service, roster files, and a real OpenSSH server on loopback.

The `sshd` fixture starts /usr/sbin/sshd (session-scoped) on a free port as the user
running the tests, with a temporary host key and an authorized_keys holding a temporary
client key, and the internal SFTP subsystem. Without /usr/sbin/sshd the SFTP tests skip;
with CI=true they fail instead.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django_scopes import scopes_disabled

from tests.conftest import IN_CI
from tests.integration.conftest import Tenant, accepted_contract, acting_as

SSHD = os.environ.get("CAREHUB_SSHD", "/usr/sbin/sshd")
HEADER = ["member_id", "first_name", "last_name", "birth_date", "sex", "product",
          "enroll_start", "county"]


def roster_rows(n: int, *, start: int = 1) -> list[list[str]]:
    return [[f"X{i:06d}", f"First{i}", f"Last{i}", "1960-02-03", "F", "medicaid",
             "2026-01-01", "Erie, NY"] for i in range(start, start + n)]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    os.utime(path, (time.time() - 60, time.time() - 60))  # settled
    return path


@pytest.fixture
def var(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


@dataclass
class ExchangeWorld:
    tenant: Tenant
    contract: Any
    hub: Any  # Acting of the hub's administrator

    def data_set(self, **fields: Any) -> Any:
        from carehub.exchange.models import DataSet
        from carehub.exchange.services import save_data_set

        values: dict[str, Any] = {"name": "Monthly roster", "kind": "member_list",
                                  "format": "csv", "cadence": "monthly", "due_days": 5,
                                  "starts": date(2026, 1, 1), "transport": "folder",
                                  "counterparty": self.tenant.payer}
        values.update(fields)
        with scopes_disabled():
            return save_data_set(DataSet(contract=self.contract, **values), acting=self.hub)


@pytest.fixture
def world(tenant: Tenant, var: Path) -> ExchangeWorld:
    contract = accepted_contract(tenant.payer, tenant.hub, "T-FILES", delivering=[tenant.cbo],
                                 starts=date(2026, 1, 1))
    return ExchangeWorld(tenant, contract, acting_as(tenant.users["hub_admin"], tenant.hub))


def inbox(data_set: Any) -> Path:
    from carehub.exchange.services import folders

    return folders.ensure(data_set) / "in"


def run(**kwargs: Any) -> list[Any]:
    from carehub.exchange.services import run_exchange

    return run_exchange(settle=0, **kwargs)


@dataclass
class Sshd:
    port: int
    user: str
    fingerprint: str
    client_key: Path
    root: Path  # a folder the tests use on the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True)


def _fingerprint(public: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", str(public)], check=True, capture_output=True,
                         text=True).stdout
    return out.split()[1]


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not (os.path.exists(SSHD) and shutil.which("ssh-keygen")):
        if IN_CI:
            pytest.fail(f"CI=true and {SSHD} is missing: the SFTP tests must not skip in CI",
                        pytrace=False)
        pytest.skip(f"{SSHD} is not installed (apt-get install openssh-server)")
    base = tmp_path_factory.mktemp("sshd")
    _keygen(base / "host")
    _keygen(base / "client")
    shutil.copy(base / "client.pub", base / "authorized_keys")
    os.chmod(base / "authorized_keys", 0o600)
    user = os.environ.get("USER") or __import__("getpass").getuser()
    port = _free_port()
    config = base / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {base / 'host'}",
        f"PidFile {base / 'sshd.pid'}", f"AuthorizedKeysFile {base / 'authorized_keys'}",
        "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes", "PermitRootLogin prohibit-password", "UsePAM no",
        "Subsystem sftp internal-sftp", f"AllowUsers {user}", ""]))
    if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", mode=0o755)  # the privilege separation folder sshd needs
    log = (base / "sshd.log").open("w")
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log,
                               stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
    if process.poll() is not None:
        pytest.fail(f"sshd did not start: {(base / 'sshd.log').read_text()}", pytrace=False)
    root = base / "remote"
    root.mkdir()
    try:
        yield Sshd(port, user, _fingerprint(base / "host.pub"), base / "client", root)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def sftp_fields(sshd: Sshd, var: Path, folder: str) -> dict[str, Any]:
    """A data set's SFTP fields for the test server; the key copied under CAREHUB_VAR."""
    keys = var / "exchange-keys"
    keys.mkdir(exist_ok=True)
    shutil.copy(sshd.client_key, keys / "plan.key")
    remote = sshd.root / folder
    remote.mkdir(parents=True, exist_ok=True)
    return {"transport": "sftp", "sftp_host": "127.0.0.1", "sftp_port": sshd.port,
            "sftp_username": sshd.user, "sftp_path": str(remote),
            "sftp_secret": "file:exchange-keys/plan.key", "sftp_host_key": sshd.fingerprint}

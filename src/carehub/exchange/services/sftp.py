"""SFTP for a data set (paramiko, docs/decisions/0014-sftp-paramiko.md): pull inbound
files from the remote folder into the data set's in/ folder, push outbound files.

The server's host key must match the fingerprint pinned on the data set (SHA256:..., as
`ssh-keygen -lf` prints it); any other key, or none pinned, is refused before anything is
sent. The secret is never in the database: `file:PATH` is an OpenSSH private key under
CAREHUB_VAR, `env:NAME` an environment variable holding the password.

Transfers are safe against a cut connection: a pulled file is written as `.name.part`
and renamed when complete, and removed from the server only once its size matches; a
pushed file is written as `name.part` on the server and renamed when complete.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import paramiko
from django.conf import settings

from carehub.exchange.models import DataSet

TIMEOUT = 20.0


class SftpProblem(Exception):
    """The transfer could not be made; the message says why, without any secret."""


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _secret(data_set: DataSet) -> tuple[paramiko.PKey | None, str | None]:
    ref = data_set.sftp_secret
    if ref.startswith("file:"):
        base = Path(settings.VAR_DIR).resolve()
        path = (base / ref[5:]).resolve()
        if not path.is_relative_to(base):
            raise SftpProblem(f"{data_set.name}: the key file must be under CAREHUB_VAR")
        if not path.is_file():
            raise SftpProblem(f"{data_set.name}: the key file {ref[5:]} does not exist")
        try:
            return paramiko.PKey.from_path(path), None
        except (paramiko.SSHException, ValueError, OSError) as exc:
            raise SftpProblem(f"{data_set.name}: the key file {ref[5:]} cannot be read: "
                              f"{exc}") from None
    if ref.startswith("env:"):
        password = os.environ.get(ref[4:])
        if not password:
            raise SftpProblem(f"{data_set.name}: the environment variable {ref[4:]} is not set")
        return None, password
    raise SftpProblem(f"{data_set.name}: no SFTP key or password is configured")


@contextmanager
def session(data_set: DataSet) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session with the data set's server, its host key checked first."""
    if not data_set.sftp_host_key:
        raise SftpProblem(f"{data_set.name}: no host key fingerprint is pinned; refusing to "
                          "connect to an unknown server")
    try:
        sock = socket.create_connection((data_set.sftp_host, data_set.sftp_port),
                                        timeout=TIMEOUT)
    except OSError as exc:
        raise SftpProblem(f"{data_set.name}: cannot reach {data_set.sftp_host}:"
                          f"{data_set.sftp_port}: {exc}") from None
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = TIMEOUT
        try:
            transport.start_client(timeout=TIMEOUT)
        except paramiko.SSHException as exc:
            raise SftpProblem(f"{data_set.name}: SSH handshake failed: {exc}") from None
        seen = fingerprint(transport.get_remote_server_key())
        if seen != data_set.sftp_host_key.strip().rstrip("="):
            raise SftpProblem(f"{data_set.name}: the server's host key {seen} is not the "
                              f"pinned {data_set.sftp_host_key}; refused")
        key, password = _secret(data_set)
        try:
            if key is not None:
                transport.auth_publickey(data_set.sftp_username, key)
            else:
                transport.auth_password(data_set.sftp_username, password or "")
        except paramiko.AuthenticationException:
            raise SftpProblem(f"{data_set.name}: the server refused the user "
                              f"{data_set.sftp_username!r}") from None
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise SftpProblem(f"{data_set.name}: the server offers no SFTP")
        try:
            yield client
        finally:
            client.close()
    finally:
        transport.close()


def _remote(data_set: DataSet, name: str = "") -> str:
    base = PurePosixPath(data_set.sftp_path or ".")
    return str(base / name) if name else str(base)


def pull(data_set: DataSet, inbox: Path) -> list[Path]:
    """Fetch every regular file of the remote folder into `inbox` and remove it from the
    server once safely stored; the files fetched."""
    fetched: list[Path] = []
    with session(data_set) as client:
        try:
            entries = client.listdir_attr(_remote(data_set))
        except OSError as exc:
            raise SftpProblem(f"{data_set.name}: cannot list {_remote(data_set)}: "
                              f"{exc}") from None
        for entry in sorted(entries, key=lambda e: (e.st_mtime or 0, e.filename)):
            name = entry.filename
            if name.startswith(".") or name.endswith((".part", ".tmp")) or \
                    not stat.S_ISREG(entry.st_mode or 0):
                continue
            partial = inbox / f".{name}.part"
            remote = _remote(data_set, name)
            client.get(remote, str(partial))
            if partial.stat().st_size != entry.st_size:
                partial.unlink(missing_ok=True)
                raise SftpProblem(f"{data_set.name}: {name} changed while it was fetched")
            target = inbox / name
            if target.exists():  # a file of the same name still waits: keep both
                target = inbox / f"{int(entry.st_mtime or 0)}-{name}"
            os.replace(partial, target)
            os.utime(target, (0, 0))  # settled: processed in this same run
            client.remove(remote)
            fetched.append(target)
    return fetched


def push(data_set: DataSet, local: Path) -> str:
    """Put `local` in the remote folder under its own name; the remote path."""
    with session(data_set) as client:
        remote = _remote(data_set, local.name)
        partial = remote + ".part"
        try:
            client.put(str(local), partial, confirm=True)
            try:
                client.remove(remote)
            except OSError:
                pass  # nothing there yet
            client.rename(partial, remote)
        except OSError as exc:
            raise SftpProblem(f"{data_set.name}: cannot write {remote}: {exc}") from None
    return remote

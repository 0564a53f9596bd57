"""`carehub hsds import|export` on bad input, through the real `carehub` entry point:
exit 2, one line on stderr naming the file and the problem, nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import carehub

SRC = str(Path(carehub.__file__).resolve().parents[1])


def carehub_cli(database: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "DATABASE_URL": f"sqlite:///{database}",
           "DJANGO_SETTINGS_MODULE": "carehub.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, "-m", "carehub.cli", *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=180)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "carehub.sqlite3"
    result = carehub_cli(path, path.parent, "migrate", "-v", "0")
    assert result.returncode == 0, result.stderr
    return path


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def inputs(folder: Path) -> None:
    depth = 100_000
    (folder / "deep.json").write_text("[" * depth + "]" * depth)
    (folder / "binary.json").write_bytes(bytes(range(256)) * 16)
    (folder / "empty.json").write_text("")
    (folder / "a-file").write_text("x")
    (folder / "empty-folder").mkdir()
    (folder / "latin1-package").mkdir()
    (folder / "latin1-package" / "services.csv").write_bytes(
        "id,name,status\nx,Café,active\n".encode("latin-1"))
    org = {"id": str(uuid.uuid4()), "name": "Org"}
    (folder / "list-name.json").write_text(json.dumps({"id": str(uuid.uuid4()), "name": ["x"]}))
    (folder / "odd-shapes.json").write_text(json.dumps(
        {"id": str(uuid.uuid4()), "name": "Meals", "status": "active", "organization": org,
         "languages": 5, "schedules": {"a": 1}}))
    (folder / "export" / "services").mkdir(parents=True)
    (folder / "export" / "services" / "1.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000)


CASES = {
    "import deeply nested JSON": (["import", "deep.json"], "deep.json: nested too deeply"),
    "import a binary file": (["import", "binary.json"], "binary.json: not UTF-8 text"),
    "import an empty file": (["import", "empty.json"], "empty.json: not valid JSON"),
    "import an empty folder": (["import", "empty-folder"], "empty-folder: no organizations"),
    "import a missing file": (["import", "missing.json"], "missing.json: no such file"),
    "import a latin-1 CSV package": (["import", "latin1-package"],
                                     "latin1-package/services.csv: not UTF-8 text"),
    "import an export folder with a nested document": (
        ["import", "export"], "export/services/1.json: nested too deeply"),
    "import a name that is not text": (["import", "list-name.json"],
                                       "list-name.json.name: expected text, got list"),
    "import fields of the wrong shape": (["import", "odd-shapes.json"],
                                         "odd-shapes.json: not a valid HSDS document"),
    "export to a file": (["export", "a-file"], "a-file: is a file, not a folder"),
    "export under a file": (["export", "a-file/out"], "a-file: is a file, not a folder"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hsds_bad_input(name: str, database: Path, tmp_path: Path) -> None:
    argv, expected = CASES[name]
    inputs(tmp_path)
    before = tree(tmp_path)
    result = carehub_cli(database, tmp_path, "hsds", *argv)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"carehub hsds {argv[0]}: " in result.stderr and expected in result.stderr
    assert tree(tmp_path) == before


def test_export_creates_missing_folders_and_imports_back(database: Path, tmp_path: Path) -> None:
    result = carehub_cli(database, tmp_path, "hsds", "export", "new/directory")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new" / "directory" / "csv").is_dir()

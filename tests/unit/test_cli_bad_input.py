"""Bad input on the command line: exit 2, one line on stderr naming the file, no files left.

Every case runs through `carehub.cli.main`, the function behind the `carehub` script.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from carehub import cli

DATA = Path(__file__).parent / "analytics" / "data"
EXAMPLES = Path(str(resources.files("carehub.core") / "examples"))
TERMS = str(EXAMPLES / "terms" / "fee-for-service.yaml")
ACTIVITY = str(EXAMPLES / "activity" / "wny-meals-2026-03.json")
ROSTER, CLAIMS, CRITERIA = (str(DATA / n) for n in ("roster.csv", "claims.csv", "criteria.yaml"))
SIMULATE = ["--simulate", "volume=fixed:10", "--simulate", "cost_per_unit=fixed:5",
            "--runs", "5"]
SNS = ["sns-e", "--roster", str(DATA / "sns_roster.csv"), "--screenings",
       str(DATA / "sns_screenings.csv"), "--interventions", str(DATA / "sns_interventions.csv"),
       "--year", "2025"]
ELIGIBILITY = ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", CRITERIA]
COST = ["cost", "--roster", ROSTER, "--claims", CLAIMS, "--from", "2025-01-01",
        "--to", "2025-12-31"]


def make_inputs(folder: Path) -> None:
    depth = 100_000
    (folder / "deep.json").write_text("[" * depth + "]" * depth)
    (folder / "deep.yaml").write_text("[" * depth + "]" * depth)
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 16)
    (folder / "latin1.csv").write_bytes("member_id,name\nM1,José\n".encode("latin-1"))
    (folder / "empty.txt").write_text("")
    (folder / "malformed.yaml").write_text("population: [a, b\nrequire: x: y\n")
    (folder / "a-folder").mkdir()


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def run(argv: list[str], folder: Path, capsys: Any) -> tuple[int, list[str]]:
    before = tree(folder)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err.splitlines()
    assert tree(folder) == before, "a failed command left files behind"
    return code, err


# (argv, the text the one line must hold: the file and the problem)
CASES: dict[str, tuple[list[str], str]] = {
    "settle: deeply nested activity": (["settle", TERMS, "deep.json"],
                                       "deep.json: nested too deeply"),
    "settle: deeply nested YAML terms": (["settle", "deep.yaml", ACTIVITY],
                                         "deep.yaml: nested too deeply"),
    "settle: deeply nested JSON terms": (["settle", "deep.json", ACTIVITY],
                                         "deep.json: nested too deeply"),
    "settle: deeply nested previous statement": (
        ["settle", TERMS, ACTIVITY, "--previous", "deep.json"], "deep.json: nested too deeply"),
    "settle: binary terms": (["settle", "binary.bin", ACTIVITY], "binary.bin: not UTF-8"),
    "settle: latin-1 activity": (["settle", TERMS, "latin1.csv"], "latin1.csv: not UTF-8"),
    "settle: empty activity": (["settle", TERMS, "empty.txt"], "empty.txt: not valid JSON"),
    "settle: terms a folder": (["settle", "a-folder", ACTIVITY], "a-folder: is a folder"),
    "settle: terms missing": (["settle", "missing.yaml", ACTIVITY], "missing.yaml: no such file"),
    "eligibility: --out in a missing folder": (
        [*ELIGIBILITY, "--out", "nowhere/ranked.csv"], "nowhere/ranked.csv: folder nowhere"),
    "eligibility: --summary in a missing folder": (
        [*ELIGIBILITY, "--out", "ranked.csv", "--summary", "nowhere/summary.json"],
        "nowhere/summary.json: folder nowhere"),
    "eligibility: --out a folder": ([*ELIGIBILITY, "--out", "a-folder"], "a-folder: is a folder"),
    "eligibility: binary roster": (
        ["eligibility", "--roster", "binary.bin", "--claims", CLAIMS, "--criteria", CRITERIA,
         "--out", "ranked.csv"], "binary.bin: not UTF-8"),
    "eligibility: binary claims": (
        ["eligibility", "--roster", ROSTER, "--claims", "binary.bin", "--criteria", CRITERIA,
         "--out", "ranked.csv"], "binary.bin: not UTF-8"),
    "eligibility: latin-1 roster": (
        ["eligibility", "--roster", "latin1.csv", "--claims", CLAIMS, "--criteria", CRITERIA,
         "--out", "ranked.csv"], "latin1.csv: not UTF-8"),
    "eligibility: empty roster": (
        ["eligibility", "--roster", "empty.txt", "--claims", CLAIMS, "--criteria", CRITERIA,
         "--out", "ranked.csv"], "empty.txt: missing column member_id"),
    "eligibility: roster a folder without Parquet": (
        ["eligibility", "--roster", "a-folder", "--claims", CLAIMS, "--criteria", CRITERIA,
         "--out", "ranked.csv"], "a-folder: a folder with no .parquet files"),
    "eligibility: binary criteria": (
        ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", "binary.bin",
         "--out", "ranked.csv"], "binary.bin: not UTF-8"),
    "eligibility: malformed criteria": (
        ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", "malformed.yaml",
         "--out", "ranked.csv"], "malformed.yaml: not valid YAML"),
    "eligibility: deeply nested criteria": (
        ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", "deep.yaml",
         "--out", "ranked.csv"], "deep.yaml: nested too deeply"),
    "eligibility: criteria a folder": (
        ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", "a-folder",
         "--out", "ranked.csv"], "a-folder: is a folder"),
    "eligibility: criteria missing": (
        ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", "missing.yaml",
         "--out", "ranked.csv"], "missing.yaml: no such file"),
    "eligibility: empty criteria": (
        ["eligibility", "--roster", ROSTER, "--claims", CLAIMS, "--criteria", "empty.txt",
         "--out", "ranked.csv"], "empty.txt: criteria: expected a mapping"),
    "eligibility: deeply nested mapping": (
        [*ELIGIBILITY, "--mapping", "deep.yaml", "--out", "ranked.csv"],
        "deep.yaml: nested too deeply"),
    "eligibility: binary mapping": (
        [*ELIGIBILITY, "--mapping", "binary.bin", "--out", "ranked.csv"], "binary.bin: not UTF-8"),
    "screen: deeply nested answers": (["screen", "--instrument", "ahc-hrsn", "deep.json"],
                                      "deep.json: nested too deeply"),
    "screen: binary answers": (["screen", "--instrument", "ahc-hrsn", "binary.bin"],
                               "binary.bin: not UTF-8"),
    "screen: answers a folder": (["screen", "--instrument", "ahc-hrsn", "a-folder"],
                                 "a-folder: is a folder"),
    "cost: --out in a missing folder": ([*COST, "--out", "nowhere/cost.json"],
                                        "nowhere/cost.json: folder nowhere"),
    "cost: binary member list": ([*COST, "--members", "binary.bin"], "binary.bin: not UTF-8"),
    "cost: deeply nested mapping": ([*COST, "--mapping", "deep.yaml"],
                                    "deep.yaml: nested too deeply"),
    "measure: --out in a missing folder": (["measure", *SNS, "--out", "nowhere/rates.csv"],
                                           "nowhere/rates.csv: folder nowhere"),
    "measure: --valuesets a file": (["measure", *SNS, "--valuesets", "empty.txt"],
                                    "empty.txt: not a folder"),
    "studio: deeply nested terms": (["studio", "deep.yaml", *SIMULATE],
                                    "deep.yaml: nested too deeply"),
    "studio: --chart a folder": (["studio", TERMS, *SIMULATE, "--chart", "a-folder"],
                                 "a-folder is a folder"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_exit_2_and_one_line(name: str, tmp_path: Path, capsys: Any) -> None:
    argv, expected = CASES[name]
    make_inputs(tmp_path)
    code, err = run(argv, tmp_path, capsys)
    assert code == 2, err
    assert len(err) == 1, err
    assert expected in err[0]


def test_malformed_criteria_yaml_says_where_in_one_line(tmp_path: Path, capsys: Any) -> None:
    make_inputs(tmp_path)
    code, err = run(["eligibility", "--roster", ROSTER, "--claims", CLAIMS,
                     "--criteria", "malformed.yaml", "--out", "ranked.csv"], tmp_path, capsys)
    assert code == 2
    assert err == ["carehub eligibility: malformed.yaml: not valid YAML: "
                   "expected ',' or ']', but got ':' at line 2 column 8"]


def test_good_input_still_writes_both_outputs(tmp_path: Path, capsys: Any) -> None:
    make_inputs(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert cli.main([*ELIGIBILITY, "--out", "ranked.csv", "--summary", "summary.json"]) == 0
    finally:
        os.chdir(cwd)
    assert (tmp_path / "ranked.csv").read_text().startswith("member_id,rank")
    assert '"members_selected"' in (tmp_path / "summary.json").read_text()


def _script(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(cli.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src, "DATABASE_URL": ""}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, "-m", "carehub.cli", *argv], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


SCRIPT_CASES: list[tuple[list[str], str, Callable[[Path], bool]]] = [
    (["settle", TERMS, "deep.json"], "deep.json: nested too deeply", lambda p: True),
    ([*ELIGIBILITY, "--out", "ranked.csv", "--summary", "nowhere/summary.json"],
     "nowhere/summary.json", lambda p: not (p / "ranked.csv").exists()),
]


@pytest.mark.parametrize("case", range(len(SCRIPT_CASES)))
def test_the_carehub_script_itself(case: int, tmp_path: Path) -> None:
    argv, expected, check = SCRIPT_CASES[case]
    make_inputs(tmp_path)
    before = tree(tmp_path)
    result = _script(tmp_path, *argv)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert expected in result.stderr
    assert tree(tmp_path) == before and check(tmp_path)

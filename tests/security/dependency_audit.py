"""pip-audit over the installed dependencies, with an answer that cannot mislead.

pip-audit prints "No known vulnerabilities found" and exits 0 even when its
vulnerability service answered for no package at all (each one is "skipped"). This
wrapper runs it with a socket timeout and an overall time limit, reads its JSON and
decides:

* a known vulnerability in any package: exit 1, naming package, version and advisory;
* the service unreachable (it timed out, or skipped every package): exit 0 with a
  clear "NOT AUDITED" message: a machine without the service must not fail the build;
* some packages skipped, others audited: the skipped ones are listed, exit 0.

Usage: python tests/security/dependency_audit.py [pip-audit arguments...]
(e.g. `-s osv --osv-url https://osv.internal/v1/query` for a mirror; see
docs/decisions/0005-security-scanners.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOCKET_TIMEOUT = 10  # seconds for one request to the service
OVERALL_TIMEOUT = int(os.environ.get("PIP_AUDIT_TIMEOUT", "300"))
# How a service that cannot be reached shows in pip-audit's error output.
UNREACHABLE = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "NameResolutionError",
               "Max retries exceeded", "ServiceError")


@dataclass
class Verdict:
    code: int
    lines: list[str]


def judge(report: dict[str, Any]) -> Verdict:
    """What pip-audit's JSON report means for the build."""
    deps = report.get("dependencies", [])
    found = [(d["name"], d.get("version", "?"), v) for d in deps for v in d.get("vulns", [])]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    if found:
        lines = [f"pip-audit: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}:"]
        for name, version, vuln in found:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            lines.append(f"  {name} {version}: {vuln.get('id')} (fixed in: {fixes})")
        return Verdict(1, lines)
    if deps and audited == 0:
        return Verdict(0, [
            f"pip-audit: NOT AUDITED: the vulnerability service answered for none of the "
            f"{len(deps)} installed packages (first reason: {skipped[0]['skip_reason']}).",
            "  The service is unreachable from this machine; run `make security` where it "
            "is reachable, or point pip-audit at a mirror (PIP_AUDIT_ARGS).",
        ])
    lines = [f"pip-audit: {audited} packages audited, no known vulnerabilities."]
    if skipped:
        lines.append(f"  {len(skipped)} not audited: "
                     + ", ".join(d["name"] for d in skipped))
    return Verdict(0, lines)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off",
                   "--timeout", str(SOCKET_TIMEOUT), "--local", "--skip-editable",
                   "--format", "json", "--output", str(out), *argv]
        try:
            run = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                                 timeout=OVERALL_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            print(f"pip-audit: NOT AUDITED: no answer from the vulnerability service within "
                  f"{OVERALL_TIMEOUT}s (PIP_AUDIT_TIMEOUT); it is unreachable from here.")
            return 0
        if not out.exists() and any(m in run.stderr for m in UNREACHABLE):
            print("pip-audit: NOT AUDITED: the vulnerability service is unreachable from here: "
                  + run.stderr.strip().splitlines()[-1][:300])
            return 0
        if not out.exists():
            # pip-audit itself failed (bad arguments, broken environment): that is an error.
            print(f"pip-audit failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
            return 2
        verdict = judge(json.loads(out.read_text()))
    print("\n".join(verdict.lines))
    return verdict.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

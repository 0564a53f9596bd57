"""The pip-audit gate's verdicts (tests/security/dependency_audit.py), on reports shaped
as pip-audit's JSON output: a finding fails, an unreachable service says so and passes."""

from __future__ import annotations

from tests.security.dependency_audit import judge

SKIP = "Dependency not found on PyPI and could not be audited: {} (1.0)"


def test_a_known_vulnerability_fails_and_names_package_and_advisory() -> None:
    report = {"dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [
            {"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": [], "description": ""}]},
        {"name": "pyyaml", "version": "6.0.2", "vulns": []},
    ], "fixes": []}
    verdict = judge(report)
    assert verdict.code == 1
    assert "django 5.2.0: PYSEC-2025-1 (fixed in: 5.2.1)" in "\n".join(verdict.lines)


def test_every_package_skipped_is_not_audited_not_a_pass() -> None:
    report = {"dependencies": [{"name": n, "skip_reason": SKIP.format(n)}
                               for n in ("django", "pyyaml")], "fixes": []}
    verdict = judge(report)
    assert verdict.code == 0
    assert verdict.lines[0].startswith("pip-audit: NOT AUDITED")
    assert "none of the 2 installed packages" in verdict.lines[0]


def test_a_clean_audit_lists_what_it_could_not_audit() -> None:
    report = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []},
                               {"name": "private-lib", "skip_reason": SKIP.format("x")}]}
    verdict = judge(report)
    assert verdict.code == 0
    assert verdict.lines == ["pip-audit: 1 packages audited, no known vulnerabilities.",
                             "  1 not audited: private-lib"]

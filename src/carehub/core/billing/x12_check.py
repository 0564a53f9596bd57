"""Validate an X12 file with pyx12 and answer what its 999 acknowledgement says.

`check_837p` runs a claim file through pyx12 against the 005010X222A1 map before it leaves;
`check_835` does the same for a remittance file (005010X221A1). Everything happens in
memory: the file, the 999 and pyx12's error report are string buffers, and pyx12's own
logging is silenced (its findings come back as `Problem`s instead).

pyx12 checks structure, required elements, counts, control numbers and code sets such as
place of service and state; it does not check ICD-10-CM or HCPCS values (the edits do).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyx12.errors
import pyx12.params
import pyx12.x12file
import pyx12.x12n_document

VERSION_837P = "005010X222A1"
VERSION_835 = "005010X221A1"

# pyx12 logs every finding at ERROR level; they are returned as Problems instead, so
# nothing reaches the console or the application's log handlers.
_pyx12_log = logging.getLogger("pyx12")
_pyx12_log.addHandler(logging.NullHandler())
_pyx12_log.propagate = False

_ENVELOPE = ("ISA", "IEA", "GS", "GE", "ST", "SE")

SegmentCallback = Callable[[Any, Any, Any, bool], None]


@dataclass(frozen=True)
class Problem:
    """One finding: the segment (its id and its line in the file, which is its number
    counted from ISA when segments are one a line), the element if known, pyx12's code and
    message."""

    segment_id: str
    line: int | None
    message: str
    element: int | None = None
    component: int | None = None
    code: str = ""
    # The segment's position inside its transaction set (ST is 1), as the 999 counts.
    position_in_transaction: int | None = None

    @property
    def where(self) -> str:
        place = f"{self.segment_id} at segment {self.line}" if self.line else self.segment_id
        if self.element:
            place += f" ({self.segment_id}{self.element:02d}"
            place += f"-{self.component})" if self.component else ")"
        return place

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class CheckResult:
    """pyx12's verdict: `accepted` only when it found nothing and the 999 says A."""

    accepted: bool
    # AK9 01 of the 999 (A accepted, E accepted with errors, P partially, R rejected);
    # empty when no 999 could be made (not an X12 file).
    code: str
    # IK5 01 per transaction set, in file order.
    transaction_codes: tuple[str, ...]
    problems: tuple[Problem, ...]
    ack_999: str = field(repr=False, default="")

    def describe(self) -> str:
        if self.accepted:
            return "accepted"
        return "\n".join(str(problem) for problem in self.problems) or f"rejected ({self.code})"


def check_837p(text: str) -> CheckResult:
    """Validate an 837P (005010X222A1) interchange."""
    return check_x12(text, VERSION_837P)


def check_835(text: str) -> CheckResult:
    """Validate an 835 (005010X221A1) interchange."""
    return check_x12(text, VERSION_835)


def check_x12(text: str, version: str, callback: SegmentCallback | None = None) -> CheckResult:
    """Run pyx12 on `text`, expecting every group to carry `version` (GS08).

    `callback(segment, reader, map_node, valid)` is pyx12's hook, called for every segment
    it walks; the 835 reader uses it to collect the segments in the same pass."""
    try:
        reader = pyx12.x12file.X12Reader(io.StringIO(text))
        reader.close()
    except pyx12.errors.X12Error as error:
        return _refused(Problem("ISA", 1, f"not an X12 interchange: {error}"))

    params = pyx12.params.ParamsBase()
    ack, report = io.StringIO(), io.StringIO()
    versions: list[tuple[str, int]] = []
    last: list[tuple[str, int]] = [("ISA", 1)]
    failures: list[Exception] = []

    def watch(seg: Any, src: Any, node: Any, valid: bool) -> None:
        last[0] = (seg.get_seg_id(), src.get_cur_line())
        if seg.get_seg_id() == "GS":
            versions.append((seg.get_value("GS08") or "", src.get_cur_line()))
        if callback is not None and not failures:
            try:
                callback(seg, src, node, valid)
            except Exception as error:  # pyx12 would swallow it; raised below instead
                failures.append(error)

    try:
        valid = pyx12.x12n_document.x12n_document(
            param=params, src_file=io.StringIO(text), fd_997=ack, fd_html=None,
            fd_xmldoc=None, fd_json=report, callback=watch)
    except pyx12.errors.EngineError as error:
        # A GS08 pyx12 has no map for, or a file it cannot walk at all.
        return _refused(Problem("GS", None, str(error)))
    except Exception as error:
        # Input mangled past what pyx12 reports as findings (it can fail with X12Error,
        # AttributeError... on a broken envelope): refuse it, saying where the walk
        # stopped. The callback's own errors never get here (see watch).
        seg_id, line = last[0]
        return _refused(Problem(seg_id, line, f"pyx12 could not read on after this segment: "
                                              f"{error}"))
    if failures:
        raise failures[0]

    report_json = json.loads(report.getvalue() or "{}")
    problems = _problems(report_json)
    for found, line in versions:
        if found != version:
            problems.append(Problem("GS", line, f"GS08 is {found!r}; expected {version}",
                                    element=8))
    ack_text = ack.getvalue()
    code, transaction_codes = _ack_codes(ack_text)
    if not code:
        # pyx12 cannot write a 999 for a transaction set without ST03 (the 835, whose
        # guide does not use ST03); its error report carries the same codes.
        code, transaction_codes = _report_codes(report_json)
        ack_text = ""
    accepted = valid and not problems and code == "A"
    if not accepted and not problems:
        problems.append(Problem("ISA", None, f"pyx12 did not accept the file (999 AK9 "
                                             f"{code or 'missing'})"))
    return CheckResult(accepted=accepted, code=code, transaction_codes=transaction_codes,
                       problems=tuple(problems), ack_999=ack_text)


def _refused(problem: Problem) -> CheckResult:
    return CheckResult(accepted=False, code="", transaction_codes=(), problems=(problem,))


def _ack_codes(ack_text: str) -> tuple[str, tuple[str, ...]]:
    """AK9 01 and every IK5 01 of a 999 (delimiters read from its ISA)."""
    if len(ack_text) < 106:
        return "", ()
    element, terminator = ack_text[3], ack_text[105]
    code = ""
    transactions: list[str] = []
    for raw in ack_text.split(terminator):
        parts = raw.strip().split(element)
        if parts[0] == "IK5" and len(parts) > 1:
            transactions.append(parts[1])
        elif parts[0] == "AK9" and len(parts) > 1:
            code = parts[1]
    return code, tuple(transactions)


def _report_codes(report: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The group's and the transaction sets' acknowledgement codes from pyx12's report."""
    groups = [group for interchange in report.get("interchanges", [])
              for group in interchange.get("groups", [])]
    codes = {str(group.get("ack_code") or "") for group in groups}
    # Several groups: the worst of them, as one AK9 would say it.
    code = next((c for c in ("R", "P", "E", "A") if c in codes), "")
    transactions = tuple(str(st.get("ack_code") or "") for group in groups
                         for st in group.get("transactions", []))
    return code, transactions


def _envelope_problems(level: dict[str, Any], trailer: str) -> list[Problem]:
    """Errors pyx12 hangs on an ISA, GS or ST loop; its line is the loop's trailer."""
    found = []
    for error in level.get("errors", []):
        message = str(error.get("err_str", ""))
        first = message.split(" ", 1)[0]
        found.append(Problem(first if first in _ENVELOPE else trailer, level.get("cur_line"),
                             message, code=str(error.get("err_cde", ""))))
    return found


def _problems(report: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for interchange in report.get("interchanges", []):
        problems.extend(_envelope_problems(interchange, "IEA"))
        for group in interchange.get("groups", []):
            problems.extend(_envelope_problems(group, "GE"))
            for transaction in group.get("transactions", []):
                problems.extend(_envelope_problems(transaction, "SE"))
                for seg in transaction.get("segments", []):
                    seg_id = str(seg.get("seg_id") or "?")
                    common = {"line": seg.get("cur_line"),
                              "position_in_transaction": seg.get("seg_count")}
                    for error in seg.get("errors", []):
                        problems.append(Problem(seg_id, message=_with_value(error),
                                                code=str(error.get("err_cde", "")), **common))
                    for ele in seg.get("elements", []):
                        for error in ele.get("errors", []):
                            problems.append(Problem(
                                seg_id, message=_with_value(error), element=ele.get("ele_pos"),
                                component=ele.get("subele_pos"),
                                code=str(error.get("err_cde", "")), **common))
    return problems


def _with_value(error: dict[str, Any]) -> str:
    message = str(error.get("err_str", ""))
    value = error.get("err_val")
    if value and value not in message:
        message += f" (value {value!r})"
    return message

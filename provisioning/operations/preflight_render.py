"""How a preflight run reads at a terminal: one line per check as it finishes, then the counts."""

from __future__ import annotations

from rich.markup import escape

from provisioning.operations.preflight_report import Check, PreflightReport, Status
from provisioning.redact import REDACTOR

_MARKS = {Status.PASS: "[green]✔ pass [/]", Status.FAIL: "[red]✘ fail [/]", Status.FIXED: "[yellow]✔ fixed[/]",
          Status.UNCHECKED: "[yellow]? could not check[/]"}


def check_line(check: Check) -> str:
    """One check as Rich markup: mark, name, detail and the fix, scrubbed of registered secrets."""
    line = f"{_MARKS[check.status]} [bold]{escape(check.name)}[/]: {escape(REDACTOR.scrub(check.detail))}"
    if check.fix:
        line += f" [dim]->[/] fix: {escape(REDACTOR.scrub(check.fix))}"
    return line


def counts_line(report: PreflightReport) -> str:
    counts = {s: sum(1 for c in report.checks if c.status is s) for s in Status}
    line = f"{counts[Status.PASS]} passed, {counts[Status.FIXED]} fixed, {counts[Status.FAIL]} failed"
    if counts[Status.UNCHECKED]:
        line += f", {counts[Status.UNCHECKED]} could not be checked"
    return line

"""What a person watching `maas verify` sees: a live progress bar on stderr while it runs (one
line per finished endpoint above it; plain lines when stderr is not a terminal, e.g. in CI logs),
and the result table at the end."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import MofNCompleteColumn, TextColumn
from rich.table import Table

from provisioning.redact import REDACTOR
from provisioning.ui.progress import stderr_progress
from provisioning.verify.reports.common import (
    FILTERED,
    checks_line,
    facts_line,
    main_latency,
    ms,
    ordered,
    problems,
    shown_status,
    status_label,
)
from provisioning.verify.results import CheckResult, CheckStatus, EndpointResult, VerifyReport

STATUS_STYLE: dict[str, str] = {
    CheckStatus.PASS: "green",
    CheckStatus.FAIL: "red",
    FILTERED: "red",
    CheckStatus.SKIP: "dim",
}


def _safe(text: object, limit: int | None = None) -> str:
    """Scrubbed, then shortened, then escaped for Rich markup (in that order: a cut before the
    scrub could leave part of a key, a cut after the escape could split an escape sequence)."""
    clean = REDACTOR.scrub(str(text))
    return escape(clean if limit is None else clean[:limit])


class RichObserver:
    """Runner observer drawing on `console` (stderr)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = stderr_progress(MofNCompleteColumn(), TextColumn("checks"), console=console)
        self._task = self.progress.add_task("verifying", total=None)
        self._endpoints = 0
        self._done = 0
        self._failed = 0

    def __enter__(self) -> RichObserver:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.progress.stop()

    def _describe(self) -> str:
        failed = f", [red]{self._failed} failed[/]" if self._failed else ""
        return f"endpoints {self._done}/{self._endpoints}{failed}"

    def planned(self, results: Sequence[EndpointResult]) -> None:
        self._endpoints = len(results)
        total = sum(len(r.planned) for r in results)
        self.progress.update(self._task, total=total, description=self._describe())

    def check_done(self, result: EndpointResult, check: CheckResult) -> None:
        self.progress.advance(self._task)

    def endpoint_done(self, result: EndpointResult) -> None:
        self._done += 1
        if result.status is CheckStatus.FAIL:
            self._failed += 1
        self.progress.update(self._task, description=self._describe())
        shown = shown_status(result)
        style = STATUS_STYLE[shown]
        first = problems(result)
        why = f"  {first[0].name}: {first[0].category}" if first else ""
        self.progress.console.print(
            f"[{style}]{status_label(shown)}[/] {_safe(result.label)}  "
            f"{checks_line(result)}  {ms(main_latency(result))}{_safe(why)}",
            highlight=False,
        )


def summary_table(report: VerifyReport) -> Table:
    title = "maas verify" + (" (emulated)" if report.emulated else "")
    table = Table(title=title, title_justify="left", caption=_safe(facts_line(report)), caption_justify="left")
    for column in ("Region", "Model", "Endpoint", "Status", "Checks", "Text-to-image", "First problem"):
        table.add_column(column, overflow="fold")
    for e in ordered(report):
        first = problems(e)
        why = f"{first[0].name} · {first[0].category}: {first[0].detail}" if first else ""
        shown = shown_status(e)
        style = STATUS_STYLE[shown]
        table.add_row(
            _safe(e.endpoint.region),
            _safe(e.model_display),
            _safe(e.endpoint.name),
            f"[{style}]{status_label(shown)}[/]",
            checks_line(e),
            ms(main_latency(e)),
            _safe(why, 160),
        )
    return table

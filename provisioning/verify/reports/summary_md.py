"""summary.md: short enough for a pipeline step summary (GitHub caps it at 1 MiB), every value
escaped, because endpoint answers end up in details and the summary is rendered as HTML."""

from __future__ import annotations

import html

from provisioning.verify.reports.common import (
    STATUS_ICON,
    checks_line,
    facts_line,
    headline,
    main_latency,
    ms,
    ordered,
    problems,
)
from provisioning.verify.results import CheckStatus, VerifyReport

MAX_PROBLEM_LINES = 200


def md(text: object) -> str:
    """Inert Markdown: no HTML, no table breaks, no emphasis or links from server text."""
    out = html.escape(str(text), quote=False)
    for ch in "\\`*_[]|#":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def render_markdown(report: VerifyReport) -> str:
    icon = STATUS_ICON[CheckStatus.PASS] if report.ok else STATUS_ICON[CheckStatus.FAIL]
    lines = [
        f"## {icon} maas verify: {md(headline(report))}",
        "",
        md(facts_line(report)),
        "",
        "| Region | Model | Endpoint | Status | Checks | Text-to-image | Route |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in ordered(report):
        lines.append(
            f"| {md(e.endpoint.region)} | {md(e.model_display)} | {md(e.endpoint.name)} | "
            f"{STATUS_ICON[e.status]} {e.status} | {checks_line(e)} | {ms(main_latency(e))} | {md(e.route or '–')} |"
        )
    notes = [(e, c) for e in ordered(report) for c in problems(e)]
    if notes:
        lines += ["", "### Failed checks", ""]
        for e, c in notes[:MAX_PROBLEM_LINES]:
            lines.append(
                f"- {STATUS_ICON[c.status]} **{md(e.label)}** · {md(c.name)} · {md(c.category)}: {md(c.detail)}"
            )
        if len(notes) > MAX_PROBLEM_LINES:
            lines.append(f"- … {len(notes) - MAX_PROBLEM_LINES} more in report.json")
    lines += ["", "Reports: report.json (machine-readable), junit.xml, index.html (contact sheet).", ""]
    return "\n".join(lines)

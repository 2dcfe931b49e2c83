"""summary.md: short enough for a pipeline step summary (GitHub caps it at 1 MiB), every value
escaped, because endpoint answers end up in details and the summary is rendered as HTML."""

from __future__ import annotations

from provisioning.ui.markdown import md
from provisioning.verify.reports.common import (
    EMULATED_NOTE,
    STATUS_ICON,
    check_shown,
    checks_line,
    facts_line,
    headline,
    main_latency,
    ms,
    needs_attention,
    ordered,
    problems,
    shown_status,
    status_label,
)
from provisioning.verify.results import CheckStatus, VerifyReport

MAX_PROBLEM_LINES = 200


def render_markdown(report: VerifyReport) -> str:
    icon = STATUS_ICON[CheckStatus.PASS] if report.ok else STATUS_ICON[CheckStatus.FAIL]
    lines = [f"## {icon} maas verify: {md(headline(report))}", ""]
    if report.emulated:
        lines += [f"> **{md(EMULATED_NOTE)}**", ""]
    lines += [md(facts_line(report)), ""]
    # What needs attention comes before the table: in a long fleet a failure at the bottom is missed.
    notes = [(e, c) for e in needs_attention(report) for c in problems(e)]
    if notes:
        lines += ["### Failed and content-filtered checks", ""]
        for e, c in notes[:MAX_PROBLEM_LINES]:
            lines.append(
                f"- {status_label(check_shown(c))} **{md(e.label)}** · {md(c.name)} · {md(c.category)}: {md(c.detail)}"
            )
        if len(notes) > MAX_PROBLEM_LINES:
            lines.append(f"- … {len(notes) - MAX_PROBLEM_LINES} more in report.json")
        lines.append("")
    lines += [
        "### All endpoints",
        "",
        "| Region | Model | Endpoint | Status | Checks | Text-to-image | Route |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in ordered(report):
        lines.append(
            f"| {md(e.endpoint.region)} | {md(e.model_display)} | {md(e.endpoint.name)} | "
            f"{status_label(shown_status(e))} | {checks_line(e)} | {ms(main_latency(e))} | {md(e.route or '–')} |"
        )
    lines += ["", "Reports: report.json (machine-readable), junit.xml, index.html (contact sheet).", ""]
    return "\n".join(lines)

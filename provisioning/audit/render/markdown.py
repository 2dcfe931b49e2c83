"""The pipeline step summary: view.headline, one region x model table per subscription and project, the
drift list. Every value is escaped: a name with `|`, `<` or a backtick must not break the table or
inject HTML into a job summary."""

from __future__ import annotations

from provisioning.audit.model import AuditReport, Cell
from provisioning.audit.render import common as view
from provisioning.audit.render.common import LOOKS
from provisioning.ui.markdown import md, md_table


def _cell(cells: list[Cell]) -> str:
    if not cells:
        return "—"
    parts = []
    for cell in cells:
        look = LOOKS[cell.status]
        text = f"{look.emoji} {look.label}<br>{md(cell.endpoint)}"
        extra = view.verify_text(cell)
        if extra:
            text += f"<br>{md(extra)}"
        parts.append(text)
    return "<br>".join(parts)


def to_markdown(report: AuditReport) -> str:
    icon = "❌" if report.exit_code else "✅"
    lines = [f"## {icon} maas audit: {md(view.headline(report))}", "", f"_{md(view.provenance(report))}_", ""]
    current = None
    for matrix in view.matrices(report):
        if matrix.subscription != current:
            current = matrix.subscription
            lines += [f"### Subscription {md(report.subscription_label(current))}", ""]
        owner = f"stack {matrix.stack}" if matrix.stack else "no audited stack"
        lines += [f"**Project {md(view.project_label(matrix.project))}** ({md(owner)})", ""]
        lines.append("| region | " + " | ".join(md(view.model_label(m)) for m in matrix.models) + " |")
        lines.append("|---|" + "---|" * len(matrix.models))
        for region in matrix.regions:
            lines.append(f"| {md(region)} | " + " | ".join(_cell(matrix.at(region, m)) for m in matrix.models) + " |")
        lines.append("")
    drift = report.drift
    lines += [f"### Drift ({len(drift)})", ""]
    if not drift:
        lines += ["Everything matches the stacks.", ""]
    else:
        headers = ["status", "subscription", "region", "project", "model", "endpoint", "what", "fix"]
        lines.append(md_table(headers, [
            [f"{LOOKS[c.status].emoji} {view.drift_label(c)}", c.subscription, c.region, view.project_label(c.project),
             view.model_label(c.model), c.endpoint, view.drift_what(c), c.fix] for c in drift]))
        lines.append("")
    if report.errors:
        lines += ["### Errors", ""] + [f"- {md(e)}" for e in report.errors] + [""]
    if report.notes:
        lines += ["<details><summary>Notes</summary>", ""] + [f"- {md(n)}" for n in report.notes] + ["",
                                                                                                "</details>", ""]
    lines.append("Legend: " + " · ".join(f"{look.emoji} {look.label}" for look in LOOKS.values()))
    return "\n".join(lines) + "\n"

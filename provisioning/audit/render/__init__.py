"""Renderings of an AuditReport: Rich table, JSON, Markdown, self-contained HTML."""

from __future__ import annotations

import json

from provisioning.audit.model import AuditReport
from provisioning.audit.render.html import to_html
from provisioning.audit.render.markdown import to_markdown
from provisioning.audit.render.table import print_table, table_text

FORMATS = ("table", "json", "markdown", "html")


def to_json(report: AuditReport) -> str:
    return json.dumps(report.document(), indent=2) + "\n"


def render(report: AuditReport, output_format: str) -> str:
    """The report as text in `output_format` (the table without colours)."""
    if output_format == "json":
        return to_json(report)
    if output_format == "markdown":
        return to_markdown(report)
    if output_format == "html":
        return to_html(report)
    return table_text(report)


__all__ = ["FORMATS", "print_table", "render", "table_text", "to_html", "to_json", "to_markdown"]

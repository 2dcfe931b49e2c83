"""The terminal view: one coloured region x model table per subscription and project, the drift
list under them, one summary line."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from provisioning.audit.model import AuditReport, Cell, Status
from provisioning.audit.render.common import (
    LOOKS,
    Matrix,
    drift_label,
    drift_what,
    headline,
    matrices,
    model_label,
    project_label,
    provenance,
    verify_text,
)


def _cell_text(cells: list[Cell]) -> Text:
    if not cells:
        return Text("—", style="dim")
    out = Text()
    for i, cell in enumerate(cells):
        if i:
            out.append("\n")
        look = LOOKS[cell.status]
        out.append(look.label, style=look.rich)
        if cell.status is not Status.OK:  # an ok endpoint has the name the stack gives it
            out.append(f"\n{cell.endpoint}", style="dim")
        extra = verify_text(cell)
        if extra:
            out.append(f"\n{extra}", style="green" if cell.verify and cell.verify.status == "pass" else "red")
    return out


def _drift_table(cells: list[Cell]) -> Table:
    table = Table(title=f"drift ({len(cells)})", title_justify="left", show_lines=True, expand=True)
    table.add_column("status", no_wrap=True)
    table.add_column("where", overflow="fold")
    table.add_column("what", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    for cell in cells:
        look = LOOKS[cell.status]
        where = f"{cell.region} · {project_label(cell.project)}\n{model_label(cell.model)}\n{cell.endpoint}"
        what = drift_what(cell, "\n")
        table.add_row(Text(drift_label(cell), style=look.rich), where, what, cell.fix)
    return table


def renderables(report: AuditReport) -> list[RenderableType]:
    """Per subscription: its matrices (one per project), then its drift list."""
    parts: list[RenderableType] = []
    by_sub: dict[str, list[Matrix]] = {}
    for matrix in matrices(report):
        by_sub.setdefault(matrix.subscription, []).append(matrix)
    for sub in report.subscriptions:
        parts.append(Rule(f"[bold]subscription {escape(sub.label())}[/]"))
        if not sub.visible:
            parts.append(Text("not visible to this identity: nothing could be read", style="red"))
        for matrix in by_sub.get(sub.id, []):
            table = Table(title=escape(matrix.title), title_justify="left", show_lines=True)
            table.add_column("region", style="bold")
            for model in matrix.models:
                table.add_column(model_label(model))
            for region in matrix.regions:
                table.add_row(region, *(_cell_text(matrix.at(region, m)) for m in matrix.models))
            parts.append(table)
        drift = [c for c in report.drift if c.subscription == sub.id]
        if drift:
            parts.append(_drift_table(drift))
        elif sub.visible:
            parts.append(Text("no drift in this subscription", style="green"))
    for error in report.errors:
        parts.append(Text(f"error: {error}", style="red"))
    parts.append(Text(headline(report), style="bold red" if report.exit_code else "bold green"))
    parts.append(Text(provenance(report), style="dim"))
    return parts


def print_table(report: AuditReport, console: Console) -> None:
    console.print(Group(*renderables(report)))


def table_text(report: AuditReport, width: int = 160) -> str:
    """The same view as plain text (for --out FILE with --format table)."""
    import io

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, force_terminal=False)
    console.print(Group(*renderables(report)))
    return console.file.getvalue()  # type: ignore[attr-defined]

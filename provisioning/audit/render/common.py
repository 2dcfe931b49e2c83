"""What every rendering shares: how a status looks, and the region x model matrices.

Why shared: the terminal table, the Markdown step summary and the HTML page must agree on which
cell is where and what colour a status has, or a platform lead comparing two of them is misled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from infra.catalog import MODELS, REGIONS
from provisioning.audit.model import AuditReport, Cell, Status


@dataclass(frozen=True)
class Look:
    label: str
    emoji: str
    rich: str  # Rich style for the terminal
    fg: str  # HTML text colour
    bg: str  # HTML cell colour
    meaning: str


LOOKS: Final = {
    Status.OK: Look("ok", "✅", "bold green", "#116329", "#dafbe1", "deployed, healthy, as the stack says"),
    Status.MISSING: Look("missing", "❌", "bold red", "#a40e26", "#ffebe9", "a stack declares it; Azure lacks it"),
    Status.EXTRA: Look("extra", "➕", "bold blue", "#0550ae", "#ddf4ff", "in Azure, declared by no audited stack"),
    Status.UNHEALTHY: Look("unhealthy", "⚠️", "bold dark_orange", "#953800", "#fff1e5",
                           "provisioning not Succeeded or endpoint not Online"),
    Status.CONTENT_SAFETY_OFF: Look("content safety off", "🛡️", "bold magenta", "#99286e", "#ffeff7",
                                    "content safety is not Enabled"),
    Status.WRONG_MODEL: Look("wrong model", "🔀", "bold purple", "#6639ba", "#fbefff",
                             "the endpoint at the expected name serves another model"),
    Status.REGION_NOT_ALLOWED: Look("region not allowed", "⛔", "bold white on red", "#ffffff", "#57606a",
                                    "the catalog does not offer the model in this region"),
    Status.SUBSCRIPTION_MISSING: Look("subscription missing", "💳", "bold yellow", "#7d4e00", "#fff8c5",
                                      "marketplace subscription missing or not Subscribed"),
}
NO_PROJECT: Final = "(no project tag)"


def project_label(project: str) -> str:
    return project or NO_PROJECT


def model_label(slug: str) -> str:
    spec = MODELS.get(slug)
    return spec.display_name if spec else slug


def verify_text(cell: Cell) -> str:
    """`pass 812 ms` / `fail: auth, schema` / `` (not verified)."""
    if cell.verify is None:
        return ""
    v = cell.verify
    latency = f" {v.latency_ms:.0f} ms" if v.latency_ms is not None else ""
    if v.status == "pass":
        return f"verify pass{latency}"
    if v.status == "fail":
        return f"verify fail{latency}: {', '.join(v.failed_checks) or v.detail}"
    return f"verify skipped: {v.detail}" if v.detail else "verify skipped"


def verify_failed(cell: Cell) -> bool:
    return cell.verify is not None and cell.verify.status == "fail"


def drift_what(cell: Cell, sep: str = "; ") -> str:
    """What drifted, with a failed verification appended: the drift list's "what" column."""
    if verify_failed(cell):
        return (cell.message + sep if cell.message else "") + verify_text(cell)
    return cell.message


def drift_label(cell: Cell) -> str:
    """The status as the drift list shows it: an `ok` cell is only there when --verify failed."""
    label = LOOKS[cell.status].label
    return f"{label} · verify failed" if verify_failed(cell) else label


@dataclass
class Matrix:
    """One region x model grid: one subscription, one stack (None: endpoints no stack declares), one project."""

    subscription: str
    stack: str | None
    project: str
    regions: list[str]
    models: list[str]
    cells: dict[tuple[str, str], list[Cell]] = field(default_factory=dict)

    def at(self, region: str, model: str) -> list[Cell]:
        return self.cells.get((region, model), [])

    @property
    def title(self) -> str:
        owner = f"stack {self.stack}" if self.stack else "no audited stack"
        return f"project {project_label(self.project)} · {owner}"


def _region_order(region: str) -> tuple[int, str]:
    names = list(REGIONS)
    return (names.index(region), region) if region in names else (len(names), region)


def _model_order(model: str) -> tuple[int, str]:
    names = list(MODELS)
    return (names.index(model), model) if model in names else (len(names), model)


def matrices(report: AuditReport) -> list[Matrix]:
    """Per subscription (in scope order), stack (in the order given; extras last) and project:
    rows = regions with a cell, columns = the models seen in that subscription."""
    stack_order = [s.name for s in report.stacks]
    out: list[Matrix] = []
    for sub in report.subscriptions:
        cells = [c for c in report.cells if c.subscription == sub.id]
        models = sorted({c.model for c in cells}, key=_model_order)
        groups = sorted({(c.stack, c.project) for c in cells}, key=lambda g: (
            stack_order.index(g[0]) if g[0] in stack_order else len(stack_order), g[1] == "", g[1]))
        for stack, project in groups:
            mine = [c for c in cells if c.stack == stack and c.project == project]
            matrix = Matrix(sub.id, stack, project, sorted({c.region for c in mine}, key=_region_order), models)
            for cell in mine:
                matrix.cells.setdefault((cell.region, cell.model), []).append(cell)
            out.append(matrix)
    return out


def headline(report: AuditReport) -> str:
    summary = report.summary()
    parts = [f"{summary['cells']} cells", f"{summary['ok']} ok", f"{summary['drifted']} drifted"]
    if report.errors:
        parts.append(f"{len(report.errors)} error(s)")
    return ", ".join(parts)


def provenance(report: AuditReport) -> str:
    source = str(report.source)
    if report.marketplace_source != report.source:
        source += f" (marketplace subscriptions: {report.marketplace_source})"
    stacks = ", ".join(s.name for s in report.stacks if s.in_scope)
    return (f"stacks {stacks}; {len(report.subscriptions)} subscription(s), {report.workspaces_seen} workspace(s), "
            f"{report.endpoints_seen} endpoint(s); source {source}, {report.management_calls} management call(s), "
            f"{report.wall_s:.2f} s; generated {report.generated_at}")


def closing_lines(report: AuditReport) -> list[str]:
    """What the table states itself, for stderr when the report went to a file or another format."""
    summary = f"audit: {headline(report)} (source {report.source}, {report.management_calls} management call(s))"
    return [summary, *(f"error: {error}" for error in report.errors)]

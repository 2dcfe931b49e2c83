"""`maas capacity` as a Rich table or Markdown (JSON is `arithmetic.capacity_document`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from infra.catalog import REQUESTS_PER_MINUTE
from provisioning.capacity.arithmetic import ModelCapacity
from provisioning.ui.markdown import md, md_table

_COLUMNS = ("Model", "Target rpm", "Survive", "Regions x projects", "Deployments", "Capacity rpm",
            "After region loss", "Deployments needed", "Projects needed", "Meets target", "USD/h at target")


def _row(r: ModelCapacity) -> tuple[str, ...]:
    target = f"{r.target_rpm:,}" + ("" if r.configured else " (what-if)")
    return (
        r.model,
        target,
        r.survive,
        f"{len(r.regions)} x {len(r.projects)}",
        str(r.deployments_configured),
        f"{r.capacity_rpm:,}",
        f"{r.capacity_rpm_after_region_loss:,}",
        str(r.deployments_needed),
        str(r.projects_needed),
        "yes" if r.meets_target else "NO",
        f"{r.estimated_usd_per_hour_at_target:,.2f}",
    )


def table(results: Sequence[ModelCapacity], stack: str) -> Table:
    out = Table(title=f"Capacity of stack {stack} ({REQUESTS_PER_MINUTE:,} requests/min per deployment)",
                title_justify="left")
    for column in _COLUMNS:
        out.add_column(column, overflow="fold")
    for r in results:
        out.add_row(*_row(r), style=None if r.meets_target else "red")
    if not results:
        out.caption = "no capacity targets: set maas-fleet:capacity or use --model M --rpm N"
    return out


def markdown(results: Sequence[ModelCapacity], stack: str) -> str:
    lines = [f"### Capacity of stack {md(stack)}", "",
             f"{REQUESTS_PER_MINUTE:,} requests/min per deployment.", "",
             md_table(_COLUMNS, (_row(r) for r in results))]
    if not results:
        lines.append("\nNo capacity targets.")
    return "\n".join(lines) + "\n"

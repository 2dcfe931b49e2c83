"""`maas capacity`: per model, the load the config targets and the fleet it needs (offline arithmetic
in provisioning/capacity/)."""

from __future__ import annotations

from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import Config, Stack, TableJsonOrMarkdown
from provisioning.errors import ExitCode


@app.command("capacity")
def capacity_command(
    stack: Stack = None,
    config_file: Config = None,
    model: Annotated[
        str | None, typer.Option("--model", metavar="SLUG", help="What-if: a model's target (with --rpm).")
    ] = None,
    rpm: Annotated[int | None, typer.Option("--rpm", metavar="N", help="What-if: requests per minute.")] = None,
    survive: Annotated[
        str | None,
        typer.Option("--survive", metavar="MODE", help="none or region (what-if; alone: for every configured target)."),
    ] = None,
    output_format: TableJsonOrMarkdown = "table",
) -> None:
    """Plan capacity offline: per model the target, deployments, capacity (also after losing a region),
    what meeting it needs and costs. Exit 0 every target met, 1 a target not met, 2 bad input."""
    from provisioning.capacity.arithmetic import WhatIf, capacity_document, fleet_capacity
    from provisioning.capacity.render import markdown, table
    from provisioning.inputs.stacks import load_config
    from provisioning.ui.console import emit_json, emit_text, stdout

    if (model is None) != (rpm is None):
        reject("--model SLUG and --rpm N go together (a what-if target needs both)")
    config = load_config(stack, config_file)
    what_if = None if model is None or rpm is None else WhatIf(model, rpm, survive or "none")
    results = fleet_capacity(config, what_if, survive if what_if is None else None)
    if output_format == "json":
        emit_json(capacity_document(results))
    elif output_format == "markdown":
        emit_text(markdown(results, config.stack))
    else:
        stdout.print(table(results, config.stack))
    if not all(r.meets_target for r in results):
        raise typer.Exit(int(ExitCode.FAILED))

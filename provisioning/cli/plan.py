"""`maas plan`: the fleet planned offline (the Pulumi program under mocks, then the policy rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import Config, Stack, TableJsonOrMarkdown
from provisioning.errors import ExitCode


@app.command("plan")
def plan_command(
    stack: Stack = None,
    config_file: Config = None,
    output_format: TableJsonOrMarkdown = "table",
    compare: Annotated[Path | None, typer.Option("--compare", metavar="FILE", dir_okay=False, help=(
        "A plan saved earlier with `maas plan --format json` (e.g. from the base branch): adds what this plan "
        "creates, updates in place (which inputs) and deletes."))] = None,
) -> None:
    """Plan the fleet offline: run the Pulumi program under mocks and apply the policy rules.

    No credentials, no network. Exit 0 clean, 1 on mandatory policy violations, 2 on invalid config.
    """
    from provisioning.inputs.stacks import load_config
    from provisioning.plan.compare import load_previous

    config = load_config(stack, config_file)  # before the heavy imports: bad input fails fast
    previous = load_previous(compare) if compare is not None else None

    from provisioning.plan import render as plan_render
    from provisioning.plan.compare import compare as compare_plans
    from provisioning.plan.notes import plan_notes
    from provisioning.plan.program import plan
    from provisioning.ui.console import emit_json, emit_text, stdout

    result = plan(config)
    document = result.to_json()
    changes = compare_plans(previous, document["resources"]) if previous is not None else None
    if output_format == "json":
        document["notes"] = plan_notes(result).lines()
        if changes is not None:
            document["changes"] = [c.document() for c in changes]
        emit_json(document)
    elif output_format == "markdown":
        emit_text(plan_render.to_markdown(result, changes))
    else:
        plan_render.print_table(result, stdout, changes)
    if result.mandatory_violations:
        raise typer.Exit(int(ExitCode.FAILED))

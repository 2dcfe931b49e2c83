"""`maas plan`: the fleet planned offline (the Pulumi program under mocks, then the policy rules)."""

from __future__ import annotations

import typer

from provisioning.cli.app import app
from provisioning.cli.options import Config, Stack, TableJsonOrMarkdown
from provisioning.errors import ExitCode


@app.command("plan")
def plan_command(stack: Stack = None, config_file: Config = None, output_format: TableJsonOrMarkdown = "table") -> None:
    """Plan the fleet offline: run the Pulumi program under mocks and apply the policy rules.

    No credentials, no network. Exit 0 clean, 1 on mandatory policy violations, 2 on invalid config.
    """
    from provisioning.inputs.stacks import load_config

    config = load_config(stack, config_file)  # before the heavy imports: bad input fails fast

    from provisioning.plan import render as plan_render
    from provisioning.plan.program import plan
    from provisioning.ui.console import emit_json, emit_text, stdout

    result = plan(config)
    if output_format == "json":
        emit_json(result.to_json())
    elif output_format == "markdown":
        emit_text(plan_render.to_markdown(result))
    else:
        plan_render.print_table(result, stdout)
    if result.mandatory_violations:
        raise typer.Exit(int(ExitCode.FAILED))

"""`maas preflight`: credential, subscription, providers, permissions, regions and names checked before `pulumi up`."""

from __future__ import annotations

from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import TableOrJson
from provisioning.cli.session import say
from provisioning.cli.stack_target import StackTarget, stack_target_options


@app.command("preflight")
@stack_target_options
def preflight_command(
    target: StackTarget,
    fix: Annotated[bool, typer.Option("--fix", help="Register missing resource providers and wait for them.")] = False,
    fix_timeout: Annotated[float, typer.Option(
        "--fix-timeout", min=1, metavar="SECONDS", help="With --fix: seconds to wait for the registration.")] = 300.0,
    output: TableOrJson = "table",
) -> None:
    """Check credential, subscription, providers, permissions, regions and endpoint names before `pulumi up`."""
    from provisioning.operations.preflight import run_preflight
    from provisioning.operations.preflight_render import check_line, counts_line
    from provisioning.operations.preflight_report import Check
    from provisioning.ui.console import emit_json, stdout

    def live(check: Check) -> None:
        stdout.print(check_line(check), soft_wrap=True)  # one line per check, however long

    with target.open() as opened:
        report = run_preflight(opened.session, opened.fleet, opened.subscription, fix=fix, timeout=fix_timeout,
                               on_check=live if output == "table" else None)
    if output == "json":
        emit_json(report.document())
    else:
        say(counts_line(report))
    raise typer.Exit(int(report.exit_code))

"""`maas preflight`: credential, subscription, providers, permissions, regions and names checked before `pulumi up`."""

from __future__ import annotations

from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import ArmEndpoint, Config, Stack, Subscription, TableOrJson
from provisioning.cli.session import azure_session, one_subscription, say, stack_config


@app.command("preflight")
def preflight_command(
    stack: Stack = None,
    config: Config = None,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
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

    fleet = stack_config(stack, config, required=True)
    assert fleet is not None

    def live(check: Check) -> None:
        stdout.print(check_line(check), soft_wrap=True)  # one line per check, however long

    with azure_session(arm_endpoint) as session:
        resolved = one_subscription(session, subscription, fleet)
        report = run_preflight(session, fleet, resolved, fix=fix, timeout=fix_timeout,
                               on_check=live if output == "table" else None)
    if output == "json":
        emit_json(report.document())
    else:
        say(counts_line(report))
    raise typer.Exit(int(report.exit_code))

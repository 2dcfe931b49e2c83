"""`maas loadtest`: drive the fleet client at an offered rate (the body lives in provisioning/client/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import Config, TableOrJson, parse_rate_limit
from provisioning.errors import BadInput


@app.command("loadtest")
def loadtest_command(
    model: Annotated[str, typer.Option("--model", metavar="SLUG", help="The model to call.")],
    rps: Annotated[float, typer.Option("--rps", metavar="N", help="Offered requests per second.")],
    duration: Annotated[float, typer.Option("--duration", metavar="SECONDS", help="How long to offer them.")],
    emulate: Annotated[
        bool, typer.Option("--emulate", help="Serve the endpoints the stack/config would deploy from the emulator.")
    ] = False,
    inventory: Annotated[
        Path | None, typer.Option("--inventory", metavar="FILE", help="A real fleet's inventory.")
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option("--stack", metavar="NAME", help="With --emulate: Pulumi.<NAME>.yaml here; else the deployed "
                     "stack's outputs (`pulumi stack output --show-secrets`)."),
    ] = None,
    config_file: Config = None,
    rate_limit: Annotated[
        str, typer.Option("--rate-limit", metavar="N/SECONDS", help="Per-endpoint cap (emulator and client).")
    ] = "1000/60",
    fail_region: Annotated[
        str | None, typer.Option("--fail-region", metavar="REGION", help="With --emulate: this region answers 503.")
    ] = None,
    max_images: Annotated[
        int, typer.Option("--max-images", metavar="N", help="Real fleets: refuse runs that would bill more images.")
    ] = 100,
    output_format: TableOrJson = "table",
) -> None:
    """Measure the fleet client: achieved vs aggregate limit, latency percentiles, per-endpoint counts.

    Exit 0 when no call failed for the caller, 1 when any did, 2 on bad input.
    """
    from provisioning.client.loadtest_command import check_options, exit_code, run_loadtest, summary_table
    from provisioning.ui.console import emit_json, stdout

    try:
        limit: tuple[int, float] | BadInput = parse_rate_limit(rate_limit)
    except BadInput as refused:
        limit = refused
    options = check_options(model=model, rps=rps, duration=duration, rate_limit=limit, fail_region=fail_region,
                            max_images=max_images, emulate=emulate)
    result = run_loadtest(options, emulate=emulate, inventory=inventory, stack=stack, config_file=config_file)
    if output_format == "json":
        emit_json(result.as_dict())
    else:
        stdout.print(summary_table(result))
    raise typer.Exit(int(exit_code(result)))

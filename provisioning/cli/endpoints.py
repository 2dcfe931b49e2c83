"""`maas endpoints`: the serverless endpoints that exist in Azure, optionally as a `maas verify` inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import ArmEndpoint, Subscriptions, TableOrJson, output_file_problem, write_failed
from provisioning.cli.session import azure_session, emit, say, stack_config
from provisioning.errors import BadInput


@app.command("endpoints")
def endpoints_command(
    stack: Annotated[str | None, typer.Option("--stack", metavar="NAME", help="Only this stack's workspaces.")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", metavar="FILE", help="Only the workspaces of this stack file.")] = None,
    subscription: Subscriptions = None,
    arm_endpoint: ArmEndpoint = None,
    output: TableOrJson = "table",
    inventory_out: Annotated[Path | None, typer.Option(
        "--inventory-out", metavar="FILE", help="Also write an inventory WITH keys for `maas verify` (mode 0600).")
    ] = None,
) -> None:
    """List the serverless endpoints that exist in Azure."""
    from provisioning.inputs.inventory import write_inventory
    from provisioning.operations.endpoints import list_endpoints, list_workspaces, stack_workspaces, to_inventory
    from provisioning.operations.endpoints_render import endpoints_table, missing_workspaces_line
    from provisioning.private_files import private_file_problem

    if inventory_out is not None:
        problem = (output_file_problem(inventory_out, "--inventory-out", regular=True)
                   or private_file_problem(inventory_out, "--inventory-out"))
        if problem:
            raise BadInput(problem)
    fleet = stack_config(stack, config, required=False)
    with azure_session(arm_endpoint) as session:
        resolved = session.resolve_subscriptions(subscription or [], fleet)
        for sub in resolved:
            if sub.note:
                say(sub.note)
        if fleet is not None:
            workspaces = [ws for sub in resolved for ws in stack_workspaces(fleet, sub.id)]
        else:
            workspaces = [ws for sub in resolved for ws in list_workspaces(session, sub.id)]
        listing = list_endpoints(session, workspaces, skip_missing=fleet is not None)
        entries, skipped = (to_inventory(session, listing.endpoints) if inventory_out is not None else ([], []))
    emit(output, {"endpoints": [e.document() for e in listing.endpoints]},
         endpoints_table(listing, with_subscription=len(resolved) > 1))
    missing = missing_workspaces_line(listing)
    if missing:
        say(missing)
    for line in skipped:
        say(f"not in the inventory: {line}")
    if inventory_out is not None:
        try:
            write_inventory(inventory_out, entries)  # whole or not at all: nothing to clean up on failure
        except OSError as exc:
            raise write_failed(inventory_out, "--inventory-out", exc, "the endpoints above were listed, no "
                               "inventory was written") from None
        say(f"wrote {len(entries)} endpoint(s) with keys to {inventory_out} (mode 0600)")
    for error in listing.errors:
        say(str(error))
    raise typer.Exit(1 if listing.errors else 0)

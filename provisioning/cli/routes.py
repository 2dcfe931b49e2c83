"""`maas routes`: the routing table per model, from a deployed stack, an inventory or a config; never a key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import Config, TableOrJson


@app.command("routes")
def routes_command(
    stack: Annotated[
        str | None,
        typer.Option("--stack", metavar="NAME", help="A deployed stack: its outputs via `pulumi stack output` "
                     "(secrets are not requested)."),
    ] = None,
    inventory: Annotated[
        Path | None, typer.Option("--inventory", metavar="FILE", help="Inventory JSON (keys in it are ignored).")
    ] = None,
    config_file: Config = None,
    output_format: TableOrJson = "table",
) -> None:
    """Print the routing table per model: endpoint, region, project, URI, key secret URI, limit, weight.

    From a config (nothing deployed yet) the URI is null. Keys are never shown.
    """
    from infra.config import load_stack_file
    from provisioning.client.routes import routes_document, routes_from_config, routes_from_inventory
    from provisioning.inputs.inventory import load_inventory
    from provisioning.ui.console import emit_json, stdout
    from provisioning.verify.sources import from_stack

    chosen = [n for n, v in (("--stack", stack), ("--inventory", inventory), ("--config", config_file)) if v]
    if len(chosen) != 1:
        said = f"got {' and '.join(chosen)}" if chosen else "got none"
        reject(f"choose exactly one of --stack NAME, --inventory FILE or --config FILE ({said})")
    if config_file is not None:
        table = routes_from_config(load_stack_file(config_file))
    elif inventory is not None:
        table = routes_from_inventory(load_inventory(inventory))
    else:
        table = routes_from_inventory(from_stack(str(stack), keys=False))
    document = routes_document(table)
    if output_format == "json":
        emit_json(document)
        return
    from rich.table import Table

    out = Table(title="Routes per model", title_justify="left")
    for column in ("Model", "Endpoint", "Region", "Project", "URI", "Key secret", "rpm limit", "Weight"):
        out.add_column(column, overflow="fold")
    for model, rows in document["models"].items():
        for row in rows:
            out.add_row(model, row["name"], row["region"], row["project"], row["uri"] or "(not deployed)",
                        row["keySecretUri"] or "", str(row["rpmLimit"]), f"{row['weight']:.3f}")
    stdout.print(out)

"""`maas adopt`: a `pulumi import --file` document for endpoints that already exist where a stack puts them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import (
    ArmEndpoint,
    Config,
    Stack,
    Subscription,
    TableOrJson,
    output_file_problem,
    write_failed,
)
from provisioning.cli.session import azure_session, one_subscription, say, stack_config
from provisioning.errors import BadInput


@app.command("adopt")
def adopt_command(
    out: Annotated[Path, typer.Option(
        "--out", metavar="FILE", help="Where to write the `pulumi import --file` document.", dir_okay=False)],
    stack: Stack = None,
    config: Config = None,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    output: TableOrJson = "table",
) -> None:
    """Find the endpoints and marketplace subscriptions a stack would create that already exist, and write
    the document `pulumi import --file FILE` takes. Mismatched ones are listed and left out.

    Exit 0 everything found can be adopted, 1 something differs or could not be read, 2 bad input.
    """
    from provisioning.operations.adopt import Action, find_adoptable, write_json_atomically
    from provisioning.operations.adopt_render import adopt_table
    from provisioning.ui.console import emit_json, stdout

    problem = output_file_problem(out, "--out", create_parents=True, regular=True)
    if problem:
        raise BadInput(problem)
    fleet = stack_config(stack, config, required=True)  # before any credential or network: bad input fails fast
    assert fleet is not None
    with azure_session(arm_endpoint) as session:
        resolved = one_subscription(session, subscription, fleet)
        result = find_adoptable(session, fleet, resolved.id, say=say)

    if output == "json":
        emit_json(result.document())
    else:
        stdout.print(adopt_table(result))
    for error in result.errors:
        say(f"error: {error}")
    if result.errors:
        say(f"not written: {out} (Azure could not be read completely, an import document would be incomplete)")
    elif result.importable == 0:
        say(f"not written: {out} (nothing exists where stack {result.stack} would create it; `pulumi up` creates "
            "it all)")
    else:
        try:
            write_json_atomically(out, result.import_document())
        except OSError as exc:
            raise write_failed(out, "--out", exc, "nothing was imported") from None
        skipped = len(result.mismatches)
        say(f"wrote {out}: {result.importable} resource(s) to import"
            + (f", {skipped} endpoint(s) left out (see above)" if skipped else "")
            + f" -> pulumi import --stack {result.stack} --file {out} --protect=false --generate-code=false")
    if any(v.action is Action.SKIP for v in result.verdicts):
        say("left out: endpoints that differ from the stack; importing them would make `pulumi up` replace them")
    raise typer.Exit(result.exit_code)

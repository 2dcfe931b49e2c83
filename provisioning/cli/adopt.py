"""`maas adopt`: a `pulumi import --file` document for endpoints that already exist where a stack puts them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import TableOrJson, output_file_problem, write_failed
from provisioning.cli.session import emit, say
from provisioning.cli.stack_target import StackTarget, stack_target_options
from provisioning.errors import BadInput


@app.command("adopt")
@stack_target_options
def adopt_command(
    out: Annotated[Path, typer.Option(
        "--out", metavar="FILE", help="Where to write the `pulumi import --file` document.", dir_okay=False)],
    target: StackTarget,
    output: TableOrJson = "table",
) -> None:
    """Find the endpoints and marketplace subscriptions a stack would create that already exist, and write
    the document `pulumi import --file FILE` takes. Mismatched ones are listed and left out.

    Exit 0 everything found can be adopted, 1 something differs or could not be read, 2 bad input.
    """
    from provisioning.operations.adopt import Action, find_adoptable, write_json_atomically
    from provisioning.operations.adopt_render import adopt_table

    problem = output_file_problem(out, "--out", create_parents=True, regular=True)
    if problem:
        raise BadInput(problem)
    with target.open() as opened:
        result = find_adoptable(opened.session, opened.fleet, opened.subscription.id, say=say)

    emit(output, result.document(), adopt_table(result), result.errors)
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

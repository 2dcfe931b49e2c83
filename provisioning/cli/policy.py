"""`maas policy check FILE`: the policy rules over stacks deployed elsewhere (a stack export or a preview)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import TableJsonOrMarkdown
from provisioning.errors import BadInput

policy_app = typer.Typer(
    help="Run the maas-fleet policy rules on Pulumi documents.", no_args_is_help=True, add_completion=False
)
app.add_typer(policy_app, name="policy")


@policy_app.command("check")
def policy_check(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A `pulumi stack export` or `pulumi preview --json` document; '-' reads stdin."
        ),
    ],
    output_format: TableJsonOrMarkdown = "table",
) -> None:
    """Check a stack export or a preview against the policy rules (exit 1 on mandatory violations)."""
    import sys

    from provisioning.policy_check import check_text, render_markdown, render_table
    from provisioning.ui.console import emit_json, emit_text, stderr, stdout

    source = "<stdin>" if file == "-" else file
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        reject(f"{source}: no such file")
    except IsADirectoryError:
        reject(f"{source}: is a directory, expected a JSON document")
    except UnicodeDecodeError:
        reject(f"{source}: not UTF-8 text, expected a JSON document")
    except OSError as exc:
        reject(f"{source}: cannot read it ({exc.strerror})")
    try:
        report = check_text(raw, source)
    except BadInput as exc:
        reject(exc.lines())
    if output_format == "json":
        emit_json(report.as_dict())
    elif output_format == "markdown":
        emit_text(render_markdown(report))
    else:
        stdout.print(render_table(report))
        for note in report.notes:
            stderr.print(f"note: {note}", markup=False)
    raise typer.Exit(int(report.exit_code))

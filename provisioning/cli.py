"""`maas`: the command line of maas-fleet (DESIGN §10 is its contract; keep it stable).

Commands stay thin: parse options, call the module that does the work, render the result and
choose the exit code. Heavy imports (Pulumi, azure-ai-ml) happen inside commands, so `maas --help`
stays fast.
"""

from __future__ import annotations

import typer

from provisioning import __version__
from provisioning.console import error_lines
from provisioning.errors import MaasError

app = typer.Typer(
    name="maas",
    help="Roll out Stability AI serverless endpoints on Azure ML, plan offline, verify every endpoint.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"maas-fleet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """maas-fleet command line."""


def main() -> None:
    """Console-script entry point: known errors become readable lines and their exit code."""
    from infra.config import ConfigError

    try:
        app()
    except ConfigError as exc:
        error_lines(exc.lines())
        raise SystemExit(2) from None
    except MaasError as exc:
        error_lines(exc.lines())
        raise SystemExit(int(exc.exit_code)) from None


if __name__ == "__main__":
    main()

"""The shared `maas` Typer application: every command module registers itself on `app`.

Kept apart from the command modules so they can import it without importing each other.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="maas",
    help="Roll out Stability AI serverless endpoints on Azure ML, plan offline, verify every endpoint.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from provisioning import __version__

        typer.echo(f"maas-fleet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """maas-fleet command line."""

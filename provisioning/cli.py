"""`maas`: the command line of maas-fleet (DESIGN §10 is its contract; keep it stable).

Commands stay thin: parse options, call the module that does the work, render the result and
choose the exit code. Heavy imports (Pulumi, azure-ai-ml) happen inside commands, so `maas --help`
stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from provisioning import __version__
from provisioning.console import error_lines
from provisioning.errors import BadInput, ExitCode, MaasError

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


# --------------------------------------------------------------------------------------------------
# plan (offline)
# --------------------------------------------------------------------------------------------------

PLAN_FORMATS = ("table", "json", "markdown")


@app.command("plan")
def plan_command(
    stack: str | None = typer.Option(None, "--stack", help="Stack name: reads Pulumi.<NAME>.yaml here."),
    config_file: Path | None = typer.Option(None, "--config", help="A Pulumi.<stack>.yaml file.", dir_okay=False),
    output_format: str = typer.Option("table", "--format", help="table, json or markdown."),
) -> None:
    """Plan the fleet offline: run the Pulumi program under mocks and apply the policy rules.

    No credentials, no network. Exit 0 clean, 1 on mandatory policy violations, 2 on invalid config.
    """
    from provisioning.stacks import load_config

    if output_format not in PLAN_FORMATS:
        raise BadInput(f"--format {output_format!r} is not one of {', '.join(PLAN_FORMATS)}")
    config = load_config(stack, config_file)  # before the heavy imports: bad input fails fast

    from provisioning import plan_render
    from provisioning.console import emit_json, emit_text, stdout
    from provisioning.plan import plan

    result = plan(config)
    if output_format == "json":
        emit_json(result.to_json())
    elif output_format == "markdown":
        emit_text(plan_render.to_markdown(result))
    else:
        plan_render.print_table(result, stdout)
    if result.mandatory_violations:
        raise typer.Exit(int(ExitCode.FAILED))


# --------------------------------------------------------------------------------------------------
# maas verify — smoke-test every endpoint against the image API (provisioning/verify, DESIGN §6/§10)
# --------------------------------------------------------------------------------------------------


class _DialectChoice(StrEnum):
    AZURE = "azure"
    HOSTED = "hosted"


@app.command("verify")
def verify(
    inventory: Annotated[
        Path | None,
        typer.Option("--inventory", metavar="FILE", help="Inventory JSON: the `endpoints` list or an object with it."),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option("--stack", metavar="NAME", help="Read the outputs with `pulumi stack output --show-secrets`."),
    ] = None,
    emulate: Annotated[bool, typer.Option("--emulate", help="Start the local emulator, verify it, stop it.")] = False,
    report_dir: Annotated[
        Path, typer.Option("--report-dir", metavar="DIR", help="Gets report.json, junit.xml, summary.md, index.html.")
    ] = Path("reports/verify"),
    max_images: Annotated[
        int, typer.Option("--max-images", metavar="N", help="Refuse runs expected to generate more billable images.")
    ] = 100,
    concurrency: Annotated[int, typer.Option("--concurrency", metavar="N", help="In flight per endpoint.")] = 2,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Per request, body included.")] = 120.0,
    deadline: Annotated[float, typer.Option("--deadline", metavar="SECONDS", help="For the whole run.")] = 900.0,
    dialect: Annotated[
        _DialectChoice, typer.Option("--dialect", help="For inventory entries that do not name their dialect.")
    ] = _DialectChoice.AZURE,
) -> None:
    """Smoke-test every endpoint of an inventory against the image API; exit 0 all pass, 1 any fails."""
    from provisioning.verify.command import run_verify_command
    from provisioning.verify.options import VerifyOptions

    options = VerifyOptions.build(
        max_images=max_images, concurrency=concurrency, timeout_s=timeout, deadline_s=deadline, dialect=dialect.value
    )
    code = run_verify_command(inventory=inventory, stack=stack, emulate=emulate, report_dir=report_dir, options=options)
    raise typer.Exit(int(code))


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

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
# Policy rules over stacks deployed elsewhere: `maas policy check FILE` (policies/, DESIGN §5, §10)
# --------------------------------------------------------------------------------------------------

policy_app = typer.Typer(
    help="Run the maas-fleet policy rules on Pulumi documents.", no_args_is_help=True, add_completion=False
)
app.add_typer(policy_app, name="policy")


class PolicyFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


@policy_app.command("check")
def policy_check(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A `pulumi stack export` or `pulumi preview --json` document; '-' reads stdin."
        ),
    ],
    output_format: Annotated[PolicyFormat, typer.Option("--format", help="Output format.")] = PolicyFormat.TABLE,
) -> None:
    """Check a stack export or a preview against the policy rules (exit 1 on mandatory violations)."""
    import sys

    from provisioning.console import emit_json, emit_text, fail, stderr, stdout
    from provisioning.policy_check import check_text, render_markdown, render_table

    source = "<stdin>" if file == "-" else file
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{source}: no such file")
    except IsADirectoryError:
        fail(f"{source}: is a directory, expected a JSON document")
    except UnicodeDecodeError:
        fail(f"{source}: not UTF-8 text, expected a JSON document")
    except OSError as exc:
        fail(f"{source}: cannot read it ({exc.strerror})")
    try:
        report = check_text(raw, source)
    except BadInput as exc:
        fail(exc.lines())
    if output_format is PolicyFormat.JSON:
        emit_json(report.as_dict())
    elif output_format is PolicyFormat.MARKDOWN:
        emit_text(render_markdown(report))
    else:
        stdout.print(render_table(report))
        for note in report.notes:
            stderr.print(f"note: {note}", markup=False)
    raise typer.Exit(int(report.exit_code))


# --------------------------------------------------------------------------------------------------
# maas emulate (issue 6): the local image-API emulator; the body lives in provisioning/emulator/command.py
# --------------------------------------------------------------------------------------------------

_LIST_HELP = "Repeat the option or separate values with commas"


@app.command("emulate")
def emulate(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 = any free port).")] = 0,
    regions: Annotated[
        list[str] | None,
        typer.Option("--regions", help=f"Catalog regions to emulate (default: eastus2,westus3). {_LIST_HELP}."),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", help=f"Catalog model slugs to emulate (default: all). {_LIST_HELP}."),
    ] = None,
    projects: Annotated[
        list[str] | None,
        typer.Option(
            "--projects",
            help=f"Projects (one workspace each per region, all models in each; default: main). {_LIST_HELP}.",
        ),
    ] = None,
    latency_ms: Annotated[float, typer.Option("--latency-ms", help="Latency added to each image request (ms).")] = 0,
    jitter_ms: Annotated[float, typer.Option("--jitter-ms", help="Random extra latency, uniform 0..N ms.")] = 0,
    throttle_rate: Annotated[
        float, typer.Option("--throttle-rate", help="Probability (0..1) of a 429 with Retry-After.")
    ] = 0.0,
    retry_after: Annotated[int, typer.Option("--retry-after", help="Retry-After seconds sent with random 429s.")] = 1,
    error_rate: Annotated[float, typer.Option("--error-rate", help="Probability (0..1) of a 500.")] = 0.0,
    content_filter_word: Annotated[
        str,
        typer.Option("--content-filter-word", help="Prompts containing it get the content-filter 400 ('' = off)."),
    ] = "forbidden",
    requests_per_minute: Annotated[
        int | None,
        typer.Option(
            "--requests-per-minute", help="Per-endpoint request cap (429 beyond it; default: the catalog's 1000)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the random knobs (throttle, errors, jitter).")] = 0,
    no_hosted: Annotated[
        bool, typer.Option("--no-hosted", help="Do not serve the hosted-dialect SD 3.5 Large endpoint.")
    ] = False,
    inventory_out: Annotated[
        Path | None,
        typer.Option("--inventory-out", help="Write the endpoint inventory with working keys here (mode 0600)."),
    ] = None,
) -> None:
    """Serve the Azure image API for fake endpoints on 127.0.0.1 until Ctrl-C or SIGTERM."""
    from provisioning.emulator.command import serve, settings_from_options

    settings = settings_from_options(
        regions=regions,
        models=models,
        projects=projects,
        port=port,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        throttle_rate=throttle_rate,
        retry_after_s=retry_after,
        error_rate=error_rate,
        content_filter_word=content_filter_word,
        requests_per_minute=requests_per_minute,
        seed=seed,
        hosted=not no_hosted,
    )
    raise typer.Exit(int(serve(settings, inventory_out)))


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

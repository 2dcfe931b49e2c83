"""`maas emulate`: the local image-API emulator (its body lives in provisioning/emulator/command.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import Config, Stack, TableOrJson, output_file_problem, parse_rate_limit
from provisioning.errors import BadInput

_LIST_HELP = "Repeat the option or separate values with commas"


def _knob(flag: str, metavar: str, help: str) -> Any:
    """An option for how the emulated endpoints misbehave or limit (latency, faults, caps, their seed):
    one panel of `maas emulate --help`, apart from what selects the fleet and where it is served."""
    return typer.Option(flag, metavar=metavar, help=help, rich_help_panel="Faults and limits")


def _emulator_defaults() -> tuple[str, str]:
    """The emulator's default regions and projects, for the help text (plain data: no heavy import)."""
    from provisioning.emulator.defaults import DEFAULT_PROJECTS, DEFAULT_REGIONS

    return ",".join(DEFAULT_REGIONS), ",".join(DEFAULT_PROJECTS)


_EMU_REGIONS, _EMU_PROJECTS = _emulator_defaults()


@app.command("emulate")
def emulate(
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port on 127.0.0.1 (0 = any free port).")] = 0,
    regions: Annotated[
        list[str] | None,
        typer.Option(
            "--regions", metavar="REGION", help=f"Catalog regions to emulate (default: {_EMU_REGIONS}). {_LIST_HELP}."
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", metavar="MODEL", help=f"Catalog model slugs to emulate (default: all). {_LIST_HELP}."),
    ] = None,
    projects: Annotated[
        list[str] | None,
        typer.Option(
            "--projects",
            metavar="NAME",
            help=f"Projects (one workspace each per region, all models in each; default: {_EMU_PROJECTS}). "
            f"{_LIST_HELP}.",
        ),
    ] = None,
    latency_ms: Annotated[float, _knob("--latency-ms", "MS", "Latency added to each image request (ms).")] = 0,
    jitter_ms: Annotated[float, _knob("--jitter-ms", "MS", "Random extra latency, uniform 0..N ms.")] = 0,
    throttle_rate: Annotated[float, _knob(
        "--throttle-rate", "P", "Probability (0..1) of a 429 with Retry-After."
    )] = 0.0,
    retry_after: Annotated[int, _knob("--retry-after", "SECONDS", "Retry-After seconds sent with random 429s.")] = 1,
    error_rate: Annotated[float, _knob("--error-rate", "P", "Probability (0..1) of a 500.")] = 0.0,
    content_filter_word: Annotated[str, _knob(
        "--content-filter-word", "WORD", "Prompts containing it get the content-filter 400 ('' = off)."
    )] = "forbidden",
    requests_per_minute: Annotated[int | None, _knob(
        "--requests-per-minute", "N", "Per-endpoint request cap (429 beyond it; default: the catalog's 1000)."
    )] = None,
    rate_limit: Annotated[str | None, _knob(
        "--rate-limit", "N/SECONDS",
        "Per-endpoint cap in any SECONDS (e.g. 10/1 for tests); instead of --requests-per-minute.",
    )] = None,
    fail_region: Annotated[list[str] | None, _knob(
        "--fail-region", "REGION", f"Every endpoint of it answers 503. {_LIST_HELP}."
    )] = None,
    seed: Annotated[int, _knob("--seed", "N", "Seed for the random knobs (throttle, errors, jitter).")] = 0,
    stack: Stack = None,
    config_file: Config = None,
    hosted: Annotated[
        bool | None, typer.Option("--hosted/--no-hosted", help=(
            "Serve (or not) the hosted-dialect SD 3.5 Large endpoint. Default: served unless --models is "
            "given (then only with --hosted)."))
    ] = None,
    inventory_out: Annotated[
        Path | None,
        typer.Option(
            "--inventory-out", metavar="FILE", help="Write the endpoint inventory with working keys here (mode 0600)."
        ),
    ] = None,
    control_plane: Annotated[bool, typer.Option("--control-plane", help=(
        "Instead of the image API, serve a SIMULATED Azure control plane (endpoints, keys, workspaces, "
        "marketplace subscriptions, Key Vault secrets, Resource Graph, permissions) for the fleet of --stack / "
        "--config over HTTPS, and print the MAAS_ARM_ENDPOINT, MAAS_ACCESS_TOKEN and REQUESTS_CA_BUNDLE to "
        "export so that maas endpoints, keys, preflight and audit run against it."))] = False,
    env_out: Annotated[Path | None, typer.Option("--env-out", metavar="FILE", dir_okay=False, help=(
        "With --control-plane: also write the export lines here (mode 0600) once it answers."))] = None,
    output_format: TableOrJson = "table",
) -> None:
    """Serve the Azure image API for fake endpoints on 127.0.0.1 until Ctrl-C or SIGTERM.

    With --stack/--config: exactly the endpoints that stack's plan declares (names, regions, projects).
    With --control-plane: a SIMULATED Azure control plane for that stack's fleet instead.
    """
    from provisioning.emulator.command import serve, settings_from_options

    if control_plane:
        from provisioning.emulator.control_plane.command import serve_control_plane
        from provisioning.inputs.stacks import load_config

        if inventory_out is not None:
            reject("--inventory-out is for the image API emulator; with --control-plane use --env-out FILE")
        if env_out is not None:
            problem = output_file_problem(env_out, "--env-out", regular=True)
            if problem:
                reject(problem)
        fleet = load_config(stack, config_file)
        raise typer.Exit(int(serve_control_plane(fleet, port, env_out, as_json=output_format == "json")))
    if env_out:
        reject("--env-out goes with --control-plane")

    problems: list[str] = []
    window = None
    if rate_limit is not None:
        try:
            requests_per_minute_given = requests_per_minute
            requests_per_minute, window = parse_rate_limit(rate_limit)
            if requests_per_minute_given is not None:
                problems.append("--rate-limit and --requests-per-minute: give one of them")
        except BadInput as exc:
            problems.extend(exc.lines())
    if hosted is False and (stack or config_file):
        problems.append("--no-hosted: a stack's fleet has no hosted endpoint anyway; drop it")
    config = None
    if stack or config_file:
        from provisioning.inputs.stacks import load_config

        config = load_config(stack, config_file)
    if problems:
        raise BadInput(problems)
    settings = settings_from_options(
        config=config,
        rate_window_s=window,
        failing_regions=tuple(fail_region) if fail_region else None,
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
        hosted=(not models) if hosted is None else hosted,
    )
    endpoints = None
    if config is not None:
        from provisioning.emulator.fleet import planned_fleet

        endpoints = planned_fleet(config)
    raise typer.Exit(int(serve(settings, inventory_out, endpoints, as_json=output_format == "json")))

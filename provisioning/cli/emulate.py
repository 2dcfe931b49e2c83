"""`maas emulate`: the local image-API emulator (its body lives in provisioning/emulator/command.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app

_LIST_HELP = "Repeat the option or separate values with commas"


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
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", metavar="MS", help="Latency added to each image request (ms).")
    ] = 0,
    jitter_ms: Annotated[
        float, typer.Option("--jitter-ms", metavar="MS", help="Random extra latency, uniform 0..N ms.")
    ] = 0,
    throttle_rate: Annotated[
        float, typer.Option("--throttle-rate", metavar="P", help="Probability (0..1) of a 429 with Retry-After.")
    ] = 0.0,
    retry_after: Annotated[
        int, typer.Option("--retry-after", metavar="SECONDS", help="Retry-After seconds sent with random 429s.")
    ] = 1,
    error_rate: Annotated[float, typer.Option("--error-rate", metavar="P", help="Probability (0..1) of a 500.")] = 0.0,
    content_filter_word: Annotated[
        str,
        typer.Option(
            "--content-filter-word", metavar="WORD", help="Prompts containing it get the content-filter 400 ('' = off)."
        ),
    ] = "forbidden",
    requests_per_minute: Annotated[
        int | None,
        typer.Option(
            "--requests-per-minute",
            metavar="N",
            help="Per-endpoint request cap (429 beyond it; default: the catalog's 1000).",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Seed for the random knobs (throttle, errors, jitter).")
    ] = 0,
    no_hosted: Annotated[
        bool, typer.Option("--no-hosted", help="Do not serve the hosted-dialect SD 3.5 Large endpoint.")
    ] = False,
    inventory_out: Annotated[
        Path | None,
        typer.Option(
            "--inventory-out", metavar="FILE", help="Write the endpoint inventory with working keys here (mode 0600)."
        ),
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

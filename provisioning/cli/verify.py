"""`maas verify`: smoke-test every endpoint against the image API (the body lives in provisioning/verify/)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import ReportDir, TableOrJson


class _DialectChoice(StrEnum):
    AZURE = "azure"
    HOSTED = "hosted"


class _RouteChoice(StrEnum):
    """`--route` names the catalog's two Azure routes by their first path segment."""

    IMAGES = "images"
    IMAGE = "image"


def _route_help() -> str:
    from infra.catalog import Route  # plain data; read here so the paths are stated in one place

    return (
        f"Azure-dialect route tried first: images = {Route.IMAGES_GENERATIONS} (what working clients call), "
        f"image = {Route.IMAGE_GENERATIONS} (what the docs say); the other is tried once on 404/405."
    )


_SUBSET = "Repeatable; values of one option widen, different options narrow."


@app.command("verify")
def verify(
    inventory: Annotated[
        Path | None,
        typer.Option("--inventory", metavar="FILE", help="Inventory JSON: the `endpoints` list or an object with it."),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option("--stack", metavar="NAME", help=(
            "Read the outputs with `pulumi stack output --show-secrets`; with --emulate: emulate the endpoints "
            "this stack's plan declares; with --dry-run: the planned endpoints of Pulumi.<NAME>.yaml.")),
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", help=(
        "A Pulumi.<stack>.yaml file: that stack's outputs (with --dry-run: its planned endpoints, nothing "
        "deployed needed)."), dir_okay=False)] = None,
    emulate: Annotated[bool, typer.Option("--emulate", help="Start the local emulator, verify it, stop it.")] = False,
    region: Annotated[list[str] | None, typer.Option(
        "--region", metavar="REGION", help=f"Only endpoints in this region. {_SUBSET}")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", metavar="MODEL", help=f"Only endpoints of this catalog model slug. {_SUBSET}")] = None,
    project: Annotated[list[str] | None, typer.Option(
        "--project", metavar="NAME", help=f"Only endpoints of this project. {_SUBSET}")] = None,
    endpoint: Annotated[list[str] | None, typer.Option(
        "--endpoint", metavar="NAME", help=f"Only this endpoint. {_SUBSET}")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=(
        "Print the endpoints, billable images and estimated cost of the run; send nothing."))] = False,
    report_dir: ReportDir = Path("reports/verify"),
    max_images: Annotated[
        int, typer.Option("--max-images", metavar="N", help="Refuse runs expected to generate more billable images.")
    ] = 100,
    concurrency: Annotated[int, typer.Option("--concurrency", metavar="N", help="In flight per endpoint.")] = 2,
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="SECONDS", help="Per image request, body included.")] = 120.0,
    deadline: Annotated[float, typer.Option("--deadline", metavar="SECONDS", help="For the whole run.")] = 900.0,
    dialect: Annotated[
        _DialectChoice, typer.Option("--dialect", metavar="DIALECT",
                                     help="azure or hosted: for inventory entries that do not name their dialect.")
    ] = _DialectChoice.AZURE,
    route: Annotated[_RouteChoice, typer.Option("--route", metavar="ROUTE", help=_route_help())] = _RouteChoice.IMAGES,
    content_safety_probe: Annotated[bool, typer.Option(
        "--content-safety-probe",
        help="Also send one prompt the content filter must refuse: refused passes, an image fails (and is billed).",
    )] = False,
    output_format: TableOrJson = "table",
) -> None:
    """Smoke-test every endpoint of an inventory (or a subset) against the image API; exit 0 all pass, 1 any fails.

    With --format json the report.json document is printed on stdout (with --dry-run:
    {"endpoints", "billableImages", "estimatedCostUsd"}).
    """
    from provisioning.verify.command import run_verify_command
    from provisioning.verify.options import VerifyOptions, route_for_option
    from provisioning.verify.selection import Selection

    options = VerifyOptions.build(
        max_images=max_images,
        concurrency=concurrency,
        timeout_s=timeout,
        deadline_s=deadline,
        dialect=dialect.value,
        route=route_for_option(route.value),
        content_safety_probe=content_safety_probe,
    )
    selection = Selection.from_options(region, model, project, endpoint)
    code = run_verify_command(inventory=inventory, stack=stack, config=config, emulate=emulate,
                              report_dir=report_dir, options=options, selection=selection, dry_run=dry_run,
                              as_json=output_format == "json")
    raise typer.Exit(int(code))

"""`maas verify`: smoke-test every endpoint against the image API (the body lives in provisioning/verify/)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import ReportDir


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
    report_dir: ReportDir = Path("reports/verify"),
    max_images: Annotated[
        int, typer.Option("--max-images", metavar="N", help="Refuse runs expected to generate more billable images.")
    ] = 100,
    concurrency: Annotated[int, typer.Option("--concurrency", metavar="N", help="In flight per endpoint.")] = 2,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Per request, body included.")] = 120.0,
    deadline: Annotated[float, typer.Option("--deadline", metavar="SECONDS", help="For the whole run.")] = 900.0,
    dialect: Annotated[
        _DialectChoice, typer.Option("--dialect", help="For inventory entries that do not name their dialect.")
    ] = _DialectChoice.AZURE,
    route: Annotated[_RouteChoice, typer.Option("--route", help=_route_help())] = _RouteChoice.IMAGES,
    content_safety_probe: Annotated[bool, typer.Option(
        "--content-safety-probe",
        help="Also send one prompt the content filter must refuse: refused passes, an image fails (and is billed).",
    )] = False,
) -> None:
    """Smoke-test every endpoint of an inventory against the image API; exit 0 all pass, 1 any fails."""
    from provisioning.verify.command import run_verify_command
    from provisioning.verify.options import VerifyOptions, route_for_option

    options = VerifyOptions.build(
        max_images=max_images,
        concurrency=concurrency,
        timeout_s=timeout,
        deadline_s=deadline,
        dialect=dialect.value,
        route=route_for_option(route.value),
        content_safety_probe=content_safety_probe,
    )
    code = run_verify_command(inventory=inventory, stack=stack, emulate=emulate, report_dir=report_dir, options=options)
    raise typer.Exit(int(code))

"""`maas loadtest` from options to exit code: choose the fleet (emulated from a stack's plan, an
inventory, or a deployed stack), guard the cost, drive the fleet client, print the figures.

Exit 0 when no call failed for the caller, 1 when any did, 2 on bad input (nothing sent).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from infra.catalog import MODELS, REGIONS, REQUESTS_PER_MINUTE, normalise_region
from provisioning.client.fleet import AsyncFleetClient
from provisioning.client.loadtest import LoadTestResult, run_load
from provisioning.errors import BadInput, ExitCode
from provisioning.inputs.inventory import InventoryEndpoint


@dataclass(frozen=True)
class LoadOptions:
    model: str
    rps: float
    duration_s: float
    limit: int
    window_s: float
    fail_region: str | None
    max_images: int


def check_options(
    *, model: str, rps: float, duration: float, rate_limit: tuple[int, float] | BadInput, fail_region: str | None,
    max_images: int, emulate: bool,
) -> LoadOptions:
    """Every problem with the options, one line each (`rate_limit` arrives parsed, or as its refusal)."""
    problems: list[str] = []
    if model not in MODELS:
        problems.append(f"--model {model!r} is not a catalog model (allowed: {', '.join(MODELS)})")
    if not rps > 0:
        problems.append(f"--rps {rps:g}: must be greater than 0")
    if not duration > 0:
        problems.append(f"--duration {duration:g}: must be greater than 0")
    if max_images < 0:
        problems.append(f"--max-images {max_images}: must be at least 0")
    limit, window = REQUESTS_PER_MINUTE, 60.0
    if isinstance(rate_limit, BadInput):
        problems.extend(rate_limit.lines())
    else:
        limit, window = rate_limit
    region = None
    if fail_region is not None:
        region = normalise_region(fail_region)
        if not emulate:
            problems.append("--fail-region: only with --emulate (a real region cannot be made to fail)")
        elif region not in REGIONS:
            problems.append(f"--fail-region {fail_region!r} is not a region (allowed: {', '.join(REGIONS)})")
    if problems:
        raise BadInput(problems)
    return LoadOptions(model, rps, duration, limit, window, region, max_images)


@contextlib.contextmanager
def _fleet(
    options: LoadOptions, *, emulate: bool, inventory: Path | None, stack: str | None, config_file: Path | None
) -> Iterator[list[InventoryEndpoint]]:
    chosen = [n for n, v in (("--emulate", emulate), ("--inventory", inventory)) if v]
    if not emulate and stack:
        chosen.append("--stack")
    if len(chosen) != 1:
        said = f"got {' and '.join(chosen)}" if chosen else "got none"
        raise BadInput(f"choose exactly one of --emulate, --inventory FILE or --stack NAME ({said})")
    if emulate:
        from provisioning.emulator import planned_fleet, running_emulator, settings_for_config
        from provisioning.inputs.stacks import load_config

        config = load_config(stack, config_file)
        if options.fail_region and options.fail_region not in config.regions:
            raise BadInput(f"--fail-region {options.fail_region}: not a region of stack {config.stack} "
                           f"({', '.join(config.regions)})")
        settings = settings_for_config(
            config, requests_per_minute=options.limit, rate_window_s=options.window_s,
            failing_regions=(options.fail_region,) if options.fail_region else (),
        )
        with running_emulator(settings, planned_fleet(config)) as emu:
            yield list(emu.inventory)
        return
    if config_file is not None:
        raise BadInput("--config: only with --emulate (a real fleet is read from --inventory or --stack)")
    from provisioning.inputs.inventory import load_inventory
    from provisioning.verify.sources import from_stack

    images = round(options.rps * options.duration_s)
    if images > options.max_images:
        raise BadInput(f"refusing to run: {images} billable image(s) ({options.rps:g}/s for {options.duration_s:g} s) "
                       f"exceed --max-images {options.max_images}; raise --max-images or lower --rps/--duration")
    yield load_inventory(inventory) if inventory is not None else from_stack(str(stack))


def run_loadtest(
    options: LoadOptions, *, emulate: bool, inventory: Path | None, stack: str | None, config_file: Path | None
) -> LoadTestResult:
    with _fleet(options, emulate=emulate, inventory=inventory, stack=stack, config_file=config_file) as endpoints:
        if not any(e.model == options.model for e in endpoints):
            raise BadInput(f"--model {options.model}: no endpoint of the fleet serves it")

        async def drive() -> LoadTestResult:
            async with AsyncFleetClient.from_inventory(
                [e for e in endpoints if e.model == options.model],
                rpm_limit=options.limit, rate_window_s=options.window_s,
            ) as client:
                return await run_load(
                    client, options.model, options.rps, options.duration_s, rate_window_s=options.window_s,
                    failing_regions=(options.fail_region,) if options.fail_region else (),
                )

        return asyncio.run(drive())


def exit_code(result: LoadTestResult) -> ExitCode:
    return ExitCode.OK if result.failed == 0 else ExitCode.FAILED


def summary_table(result: LoadTestResult) -> Table:
    doc = result.as_dict()
    title = (f"Load test of {result.model}: {doc['achievedRps']} req/s achieved of "
             f"min(offered {result.offered_rps:g}, limit {doc['aggregateLimitRps']}) = ratio {doc['ratio']}; "
             f"{result.succeeded}/{result.sent} succeeded, {result.throttled_retries} throttled retries, "
             f"p50 {doc['latencyMs']['p50']} ms, p95 {doc['latencyMs']['p95']} ms")
    table = Table(title=title, title_justify="left")
    for column in ("Endpoint", "Region", "Succeeded", "Throttled", "Failed"):
        table.add_column(column)
    for e in result.per_endpoint:
        table.add_row(e.name, e.region, str(e.succeeded), str(e.throttled), str(e.failed))
    return table

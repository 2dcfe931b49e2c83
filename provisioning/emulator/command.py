"""`maas emulate`: serve the emulated fleet until Ctrl-C or SIGTERM (the body behind the CLI command).

Everything is checked before anything starts (options, the inventory path, the port), so a bad option
gives one line per problem and exit 2 with nothing half-done. The inventory appears atomically (written
0600 to a temporary name, then renamed) and only once the server answers, so a script may poll for the
file and use it at once. Keys are only ever shown masked.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.table import Table

from provisioning.emulator.fleet import FakeEndpoint
from provisioning.emulator.server import Emulator
from provisioning.emulator.settings import EmulatorSettings, settings_problems
from provisioning.errors import BadInput, ExitCode
from provisioning.inputs.inventory import InventoryEndpoint, write_inventory
from provisioning.private_files import private_file_problem
from provisioning.redact import mask
from provisioning.ui import console
from provisioning.ui.option_names import OPTION_NAMES

if TYPE_CHECKING:
    from infra.config import FleetConfig


def _split(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """`--regions a --regions b,c` -> (a, b, c); None when the option was not given."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def settings_from_options(
    *,
    regions: Sequence[str] | None,
    models: Sequence[str] | None,
    projects: Sequence[str] | None = None,
    config: FleetConfig | None = None,
    **knobs: Any,
) -> EmulatorSettings:
    """Build settings from CLI options; BadInput with one line per problem. With a stack `config`, its
    regions, models and projects are the fleet's (and no hosted endpoint: a stack deploys none)."""
    fields: dict[str, Any] = {k: v for k, v in knobs.items() if v is not None}
    problems: list[str] = []
    lists: tuple[tuple[str, Sequence[str] | None], ...] = (
        ("regions", regions), ("models", models), ("projects", projects)
    )
    if config is not None:
        named = [OPTION_NAMES[n] for n, v in lists if v]
        if named:
            problems.append(f"{', '.join(named)}: the stack decides what is served; drop them or --stack/--config")
        lists = ()
        fields.update(regions=config.regions, models=config.models, projects=config.projects, hosted=False)
    for name, given in lists:
        values = _split(given)
        if given and values is None:
            problems.append(f"{OPTION_NAMES[name]}: name at least one value")
        if values is not None:
            fields[name] = values
    try:
        settings = EmulatorSettings(**fields)
    except ValidationError as exc:
        problems.extend(settings_problems(exc, OPTION_NAMES))
        raise BadInput(problems) from None
    if problems:
        raise BadInput(problems)
    return settings


def check_inventory_path(path: Path | None) -> None:
    if path is None:
        return
    problem = private_file_problem(path, "--inventory-out")
    if problem:
        raise BadInput(problem)


def publish_inventory(path: Path, endpoints: list[InventoryEndpoint]) -> None:
    """A new 0600 file renamed into place (write_inventory): readers never see a half-written file."""
    write_inventory(path, endpoints)


def endpoint_table(emulator: Emulator) -> Table:
    table = Table(title=f"Emulated endpoints on {emulator.base_url}", title_justify="left")
    for column in ("Region", "Model", "Dialect", "Target (path under the URL above)", "Key"):
        table.add_column(column, overflow="fold")
    for entry in emulator.inventory:
        key = entry.key.get_secret_value() if entry.key else ""
        path = entry.uri.removeprefix(emulator.base_url)
        table.add_row(entry.region, entry.model, entry.dialect or "", path, mask(key))
    return table


def serve(
    settings: EmulatorSettings,
    inventory_out: Path | None,
    endpoints: tuple[FakeEndpoint, ...] | None = None,
    as_json: bool = False,
) -> ExitCode:
    """Start, publish, block until SIGINT/SIGTERM, stop. Returns the exit code. `endpoints` (a stack's
    planned fleet) replaces the fleet the settings would build."""
    check_inventory_path(inventory_out)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        emulator = Emulator(settings, endpoints)
        emulator.start()
        try:
            if inventory_out is not None:
                publish_inventory(inventory_out, emulator.inventory)
            if as_json:  # never a key: the inventory file is where the working keys go
                console.emit_json({"baseUrl": emulator.base_url,
                                   "endpoints": [e.public_dict() for e in emulator.inventory]})
            else:
                console.stdout.print(endpoint_table(emulator))
            where = f"; inventory with working keys: {inventory_out} (0600)" if inventory_out else (
                "; add --inventory-out FILE to get the working keys"
            )
            console.stderr.print(
                f"Serving {len(emulator.endpoints)} endpoints on {emulator.base_url}{where}. "
                "Press Ctrl-C to stop.",
                markup=False,
            )
            while not stop.wait(0.5):
                if not emulator.running:
                    console.error_lines(["the emulator stopped unexpectedly"])
                    return ExitCode.FAILED
        finally:
            emulator.stop()
        console.stderr.print("Emulator stopped.", markup=False)
        return ExitCode.OK
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

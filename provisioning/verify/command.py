"""`maas verify` from options to exit code: pick the inventory, check it, guard the cost, run with
live progress, write the four reports whatever happens, print the table.

Exit codes (docs/architecture.md, Contracts): 0 every endpoint passes, 1 any endpoint fails, 2 bad input (nothing sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from rich.console import Console

from provisioning.errors import BadInput, ExitCode, MaasError
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.ui import console
from provisioning.verify.cost import enforce, estimate
from provisioning.verify.options import VerifyOptions
from provisioning.verify.progress import RichObserver, summary_table
from provisioning.verify.reports import check_report_dir, prepare_report_dir, write_reports
from provisioning.verify.runner import VerifyRun
from provisioning.verify.selection import Selection
from provisioning.verify.sources import exposure_warning, from_file, from_stack, targets_for
from provisioning.verify.transport import describe

DEFAULT_REPORT_DIR = Path("reports/verify")


@contextlib.contextmanager
def emulated_endpoints(stack: str | None = None, config: Path | None = None) -> Iterator[list[InventoryEndpoint]]:
    """The local emulator: with a stack, serving exactly the endpoints its plan declares (names,
    regions, projects, models); without one, its defaults plus the hosted dialect. Credential-free."""
    from provisioning.emulator import EmulatorSettings, running_emulator  # uvicorn: only when asked

    if stack is None and config is None:
        with running_emulator(EmulatorSettings(hosted=True)) as emu:
            yield list(emu.inventory)
        return
    from provisioning.emulator.fleet import planned_fleet, settings_for_config
    from provisioning.inputs.stacks import load_config

    fleet = load_config(stack, config)
    with running_emulator(settings_for_config(fleet), planned_fleet(fleet)) as emu:
        yield list(emu.inventory)


def run_verify_command(
    *,
    inventory: Path | None,
    stack: str | None,
    emulate: bool,
    report_dir: Path,
    options: VerifyOptions,
    config: Path | None = None,
    selection: Selection | None = None,
    dry_run: bool = False,
    as_json: bool = False,
) -> ExitCode:
    selection = selection or Selection()
    given = (("--inventory", inventory), ("--stack", stack), ("--config", config), ("--emulate", emulate))
    chosen = [name for name, value in given if value]
    # `--emulate --stack NAME` (or `--config FILE`) is one choice: emulate what that stack's plan declares.
    if emulate and inventory is None and len([c for c in (stack, config) if c]) == 1:
        chosen = ["--emulate"]
    if len(chosen) != 1:
        said = f"got {' and '.join(chosen)}" if chosen else "got none"
        raise BadInput(f"choose exactly one of --inventory FILE, --stack NAME, --config FILE or --emulate ({said})")
    if dry_run:
        return _dry_run(inventory=inventory, stack=stack, config=config, emulate=emulate, options=options,
                        selection=selection, as_json=as_json)
    check_report_dir(report_dir)  # unwritable: refused now; created only once the inventory is valid
    if emulate:
        with emulated_endpoints(stack, config) as endpoints:
            chosen_endpoints = selection.apply(endpoints, "the emulator")
            return _verify(chosen_endpoints, options, report_dir, note=" (emulated: nothing is billed)",
                           as_json=as_json)
    if inventory is not None:
        endpoints, source = from_file(inventory), str(inventory)
        warning = exposure_warning(inventory, endpoints)
        if warning:
            console.error_lines([warning])
    else:
        name = stack if stack else _config_stack(config)
        endpoints, source = from_stack(name), f"stack {name}"
    return _verify(selection.apply(endpoints, source), options, report_dir, as_json=as_json)


def _config_stack(config: Path | None) -> str:
    """The stack a Pulumi.<stack>.yaml belongs to: its outputs hold the endpoints and their keys."""
    from provisioning.inputs.stacks import load_config

    return load_config(None, config).stack


def _dry_run(*, inventory: Path | None, stack: str | None, config: Path | None, emulate: bool,
             options: VerifyOptions, selection: Selection, as_json: bool) -> ExitCode:
    """What a run would verify and cost; nothing is sent (a stack is read from its config, not its outputs)."""
    from provisioning.verify import dry_run

    if inventory is not None:
        plan = dry_run.from_inventory(selection.apply(from_file(inventory), str(inventory)), options, str(inventory))
    elif emulate:
        with emulated_endpoints(stack, config) as endpoints:  # local and free; started only to learn its inventory
            plan = dry_run.from_inventory(selection.apply(endpoints, "the emulator"), options, "the emulator")
    else:
        from provisioning.inputs.stacks import load_config

        fleet = load_config(stack, config)
        source = f"stack {fleet.stack} (planned)"
        plan = dry_run.from_plan(selection.apply(fleet.declared_endpoints(), source), options, source)
    cost = plan.cost
    if as_json:
        console.emit_json(plan.document())
    else:
        out = console.stdout if console.stdout.is_terminal else Console(file=sys.stdout, width=160, highlight=False)
        out.print(dry_run.table(plan))
    refused = f"; a run would be refused by --max-images {options.max_images}" if cost.images > options.max_images \
        else ""
    console.error_lines([f"dry run, nothing sent: {cost.line()}{refused}"])
    return ExitCode.OK


def _verify(endpoints: Sequence[InventoryEndpoint], options: VerifyOptions, report_dir: Path, note: str = "",
            as_json: bool = False) -> ExitCode:
    targets = targets_for(endpoints, options)
    cost = estimate(targets, options)
    enforce(cost, options.max_images)
    out_dir = prepare_report_dir(report_dir)
    console.stderr.print(f"maas verify: {cost.line()}{note}", markup=False, highlight=False)
    with RichObserver(console.stderr) as observer:
        run = VerifyRun(targets, options, observer)
        try:
            report = asyncio.run(run.execute())
        except KeyboardInterrupt:  # Ctrl-C: what finished still counts, the rest is reported as timeout
            report = run.report("interrupted before finishing")
            console.error_lines(["interrupted: unfinished checks are reported as timeout"])
        except Exception as exc:  # a bug of ours: still leave the reports behind, then surface it
            # As a scrubbed line, not a traceback: exception text can quote requests, and so keys.
            reason = f"verification stopped ({describe(exc)})"
            write_reports(run.report(reason), out_dir)
            raise MaasError(f"{reason}; the reports in {out_dir} hold what finished") from None
    if run.unreachable:
        console.error_lines(run.unreachable)
    written = write_reports(report, out_dir)
    if as_json:
        console.emit_json(report.to_json())
    else:
        # Logs are not terminals: give the table room instead of folding names at 80 columns.
        out = console.stdout if console.stdout.is_terminal else Console(file=sys.stdout, width=160, highlight=False)
        out.print(summary_table(report))
    console.error_lines([f"reports: {', '.join(str(p) for p in written.values())}"])
    return ExitCode.OK if report.ok else ExitCode.FAILED

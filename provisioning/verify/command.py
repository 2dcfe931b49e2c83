"""`maas verify` from options to exit code: pick the inventory, check it, guard the cost, run with
live progress, write the four reports whatever happens, print the table.

Exit codes (DESIGN §10): 0 every endpoint passes, 1 any endpoint fails, 2 bad input (nothing sent).
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
from provisioning.verify.sources import from_file, from_stack, targets_for
from provisioning.verify.transport import describe

DEFAULT_REPORT_DIR = Path("reports/verify")


@contextlib.contextmanager
def emulated_endpoints() -> Iterator[list[InventoryEndpoint]]:
    """The local emulator with its defaults plus the hosted dialect: the credential-free target."""
    from provisioning.emulator import EmulatorSettings, running_emulator  # uvicorn: only when asked

    with running_emulator(EmulatorSettings(hosted=True)) as emu:
        yield list(emu.inventory)


def run_verify_command(
    *,
    inventory: Path | None,
    stack: str | None,
    emulate: bool,
    report_dir: Path,
    options: VerifyOptions,
) -> ExitCode:
    chosen = [name for name, given in (("--inventory", inventory), ("--stack", stack), ("--emulate", emulate)) if given]
    if len(chosen) != 1:
        said = f"got {' and '.join(chosen)}" if chosen else "got none"
        raise BadInput(f"choose exactly one of --inventory FILE, --stack NAME or --emulate ({said})")
    check_report_dir(report_dir)  # unwritable: refused now; created only once the inventory is valid
    if emulate:
        with emulated_endpoints() as endpoints:
            return _verify(endpoints, options, report_dir, note=" (emulated: nothing is billed)")
    endpoints = from_file(inventory) if inventory is not None else from_stack(str(stack))
    return _verify(endpoints, options, report_dir)


def _verify(endpoints: Sequence[InventoryEndpoint], options: VerifyOptions, report_dir: Path,
            note: str = "") -> ExitCode:
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
    written = write_reports(report, out_dir)
    # Logs are not terminals: give the table room instead of folding names at 80 columns.
    out = console.stdout if console.stdout.is_terminal else Console(file=sys.stdout, width=160, highlight=False)
    out.print(summary_table(report))
    console.error_lines([f"reports: {', '.join(str(p) for p in written.values())}"])
    return ExitCode.OK if report.ok else ExitCode.FAILED

"""`maas audit --verify`: run the verifier (provisioning/verify) on the live endpoints the audit
found and fold pass/fail and latency into the same cells.

Why through the inventory: the verifier's input is the stack `endpoints` shape with keys;
`maas endpoints` already turns found endpoints into exactly that (keys via listKeys, registered
with the redactor the moment they are read), so the audit hands the verifier what any other
inventory source would. An endpoint is verified when it exists, serves a catalog model, finished
provisioning and has an inference URI; the others say why they were skipped. A failed check makes
the cell drift (exit 1) without changing its audit status: the status says what Azure holds, the
verify outcome says whether it answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from provisioning.audit.model import AuditReport, Cell, VerifyOutcome
from provisioning.operations.endpoints import DeployedEndpoint, to_inventory

if TYPE_CHECKING:
    from provisioning.azure.session import AzureSession
    from provisioning.verify import EndpointResult, VerifyOptions, VerifyReport

SUCCEEDED = "succeeded"


def _skip_reason(cell: Cell, ep: DeployedEndpoint) -> str:
    if not ep.catalog_model:
        return f"serves {ep.model_id or '(no model)'}, not a catalog model"
    if ep.provisioning_state.lower() != SUCCEEDED:
        return f"provisioningState {ep.provisioning_state or '(none)'}"
    if not ep.uri:
        return "no inference URI yet"
    return ""


def _outcome(result: EndpointResult) -> VerifyOutcome:
    from provisioning.verify.reports.common import main_latency, problems

    bad = problems(result)
    failed = [c for c in bad if str(c.status) == "fail"]
    names = tuple(f"{c.name} ({c.category})" if c.category else str(c.name) for c in failed)
    detail = failed[0].detail if failed else (f"{bad[0].name}: {bad[0].category}" if bad else "")
    return VerifyOutcome(str(result.status), main_latency(result), names, detail)


def verify_cells(session: AzureSession, report: AuditReport, *, options: VerifyOptions | None = None,
                 max_images: int | None = None, report_dir: Path | None = None,
                 say: Callable[[str], None] | None = None) -> VerifyReport | None:
    """Verify every live endpoint of `report` and record the outcome on its cell. Returns the
    verifier's report (None when nothing was live); BadInput (exit 2, nothing sent) when the run
    would exceed the cost guard."""
    from provisioning.ui import console
    from provisioning.verify import VerifyOptions, VerifyRun, enforce, estimate, targets_for, write_reports
    from provisioning.verify.progress import RichObserver

    tell = say or (lambda _line: None)
    if options is None:
        options = VerifyOptions.build(max_images=max_images)
    elif max_images is not None:
        options = options.model_copy(update={"max_images": max_images})
    report.verified = True
    live: list[tuple[Cell, DeployedEndpoint]] = []
    for cell in report.cells:
        ep = cell.deployed
        if ep is None:
            continue  # missing: nothing to call
        reason = _skip_reason(cell, ep)
        if reason:
            cell.verify = VerifyOutcome("skipped", detail=reason)
        else:
            live.append((cell, ep))
    if not live:
        tell("verify: no live endpoint to verify")
        return None

    entries, skipped = to_inventory(session, [ep for _, ep in live])
    for line in skipped:
        tell(f"verify: skipped {line}")
    targets = targets_for(entries, options)
    cost = estimate(targets, options)
    enforce(cost, options.max_images)
    tell(f"verify: {cost.line()}")
    with RichObserver(console.stderr) as observer:
        run = VerifyRun(targets, options, observer)
        result = asyncio.run(run.execute())
    by_endpoint = {(r.endpoint.region, r.endpoint.name.lower()): r for r in result.endpoints}
    for cell, ep in live:
        found = by_endpoint.get((ep.region, ep.name.lower()))
        if found is None:
            cell.verify = VerifyOutcome("skipped", detail="no key could be read")
            continue
        cell.verify = _outcome(found)
        if cell.verify.status == "fail" and not cell.fix:
            where = f" in {report_dir}" if report_dir is not None else " (--verify-report-dir DIR keeps it)"
            cell.fix = (f"read the verify report{where}; `maas verify` classifies the failure (auth: check the "
                        "key in Key Vault, route/schema: report it, throttled/timeout: retry later)")
    if report_dir is not None:
        written = write_reports(result, report_dir)
        tell(f"verify reports: {', '.join(str(p) for p in written.values())}")
    tell(f"verify: {result.passed} passed, {result.failed} failed in {result.wall_s:.1f} s")
    return result

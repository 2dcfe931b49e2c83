"""One audit run: stacks -> scope -> actual state -> verdicts -> report (verification is folded in
by the caller, see verification.py). Progress and notes go to stderr through callbacks; nothing here
prints, so the CLI decides what a pipeline sees on stdout."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from provisioning.audit.actual import SourceMode, collect
from provisioning.audit.desired import LoadedStack, resolve_scope
from provisioning.audit.drift import compare
from provisioning.audit.model import AuditReport

if TYPE_CHECKING:
    from provisioning.azure.session import AzureSession


def run_audit(session: AzureSession, stacks: Sequence[LoadedStack], *, subscriptions: Sequence[str] = (),
              all_subscriptions: bool = False, mode: SourceMode = SourceMode.AUTO,
              say: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Desired (the stacks) against actual (Azure) over the resolved subscriptions."""
    started = time.perf_counter()
    calls_before = session.arm.calls
    scope = resolve_scope(session, stacks, subscriptions, all_subscriptions)
    for note in scope.notes:
        if say is not None:
            say(note)
    hidden = [s for s in scope.subscriptions if not s.visible]
    errors = [f"subscription {s.id} is not visible to this identity: its endpoints cannot be read and its stacks' "
              "cells are omitted -> grant Reader (the auditor persona) there" for s in hidden]
    hidden_ids = {s.id for s in hidden}
    desired = [d for d in scope.desired if d.subscription not in hidden_ids]

    actual = collect(session, scope.visible_ids, mode=mode, say=say, on_progress=on_progress)
    comparison = compare(desired, actual)
    report = AuditReport(
        stacks=scope.stacks,
        subscriptions=scope.subscriptions,
        cells=comparison.cells,
        source=actual.source,
        marketplace_source=actual.marketplace_source,
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        errors=errors + actual.errors,
        notes=scope.notes + actual.notes + comparison.notes,
        workspaces_seen=len(actual.workspaces),
        endpoints_seen=len(actual.endpoints),
        other_endpoints=comparison.other_endpoints,
        graph_pages=actual.graph_pages,
    )
    report.management_calls = session.arm.calls - calls_before + scope.sdk_calls
    report.wall_s = time.perf_counter() - started
    return report

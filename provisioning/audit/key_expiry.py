"""`maas audit --keys`: each deployed endpoint's key age and expiry folded into its cell.

Why opt-in: it costs one Key Vault control-plane read per endpoint (secrets are not in Resource
Graph's `resources` table) and one offline run of the program per stack (the key secret lives where
the program declares it, provisioning/operations/planned.py), where the rest of the audit costs one
Graph query. Reader on the vaults is enough: the control plane returns attributes, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from provisioning.audit.desired import LoadedStack
from provisioning.audit.model import PRECEDENCE, AuditReport, Cell, Status

if TYPE_CHECKING:
    from provisioning.azure.session import AzureSession


def _key(subscription: str, resource_group: str, workspace: str, name: str) -> tuple[str, str, str, str]:
    return (subscription.lower(), resource_group.lower(), workspace.lower(), name.lower())


def fold_key_status(session: AzureSession, report: AuditReport, stacks: Sequence[LoadedStack],
                    say: Callable[[str], None] | None = None) -> None:
    """Read the key secret of every deployed endpoint a stack declares and add key_expiring /
    key_expired to its cell (the cell's status is its most important problem, as always)."""
    from provisioning.operations.key_status import KeyState, key_statuses
    from provisioning.operations.planned import planned_fleet

    calls_before = session.arm.calls
    for scope in report.stacks:
        if not scope.in_scope:
            continue
        loaded = next((s for s in stacks if s.name == scope.name and str(s.file) == scope.file), None)
        if loaded is None:
            continue
        cells = {_key(c.subscription, c.resource_group, c.workspace, c.endpoint): c for c in report.cells
                 if c.stack == scope.name and c.status is not Status.MISSING}
        fleet = planned_fleet(loaded.config, scope.subscription)
        wanted = [p for p in fleet.endpoints if _key(scope.subscription, p.resource_group, p.workspace, p.name)
                  in cells]
        keys = key_statuses(session, scope.subscription, wanted, stack=scope.name)
        report.errors.extend(keys.errors)
        for entry in keys.keys:
            p = entry.planned
            cell = cells[_key(scope.subscription, p.resource_group, p.workspace, p.name)]
            cell.key = entry.document()
            if entry.status is KeyState.OK:
                continue
            problem = Status.KEY_EXPIRING if entry.status is KeyState.EXPIRING else Status.KEY_EXPIRED
            expires = cell.key.get("expires")
            sentence = {
                KeyState.EXPIRING: f"the key of {p.name} expires on {expires}",
                KeyState.EXPIRED: f"the key of {p.name} expired" + (f" on {expires}" if expires else ""),
                KeyState.MISSING: f"the key of {p.name} has no Key Vault secret ({p.secret_name} in {p.vault_name})",
            }[entry.status]
            if entry.detail and entry.status is not KeyState.MISSING:
                sentence += f" ({entry.detail})"
            _add(cell, problem, sentence, f"rotate it: `maas keys rotate --stack {scope.name} --all`"
                 if entry.status is not KeyState.MISSING else f"run `pulumi up --stack {scope.name}` to write it")
    report.management_calls += session.arm.calls - calls_before
    if say is not None:
        say(f"keys: read {sum(1 for c in report.cells if c.key is not None)} key secret(s)")


def _add(cell: Cell, problem: Status, sentence: str, fix: str) -> None:
    problems = {*cell.problems, problem}
    cell.problems = tuple(p for p in PRECEDENCE if p in problems)
    cell.status = cell.problems[0] if cell.stack is not None else cell.status
    message = sentence[:1].upper() + sentence[1:]
    cell.message = f"{cell.message}; {sentence}" if cell.message else message
    cell.fix = f"{cell.fix}; {fix}" if cell.fix else fix

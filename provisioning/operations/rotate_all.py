"""`maas keys rotate --stack NAME --all`: every endpoint key of a stack, rotated the safe way.

Each endpoint goes through the single-endpoint rotation (provisioning/operations/keys.py, `--both`):
regenerate the key consumers do not hold, point the Key Vault secret at it, give consumers the grace
period, then regenerate the key they held and leave the vault on the fresh primary. Endpoints are done
one after another: the rotation's waits draw one progress bar at a time, and a failure or a Ctrl-C
leaves exactly one endpoint part-way, which the report names with what it did and which key the vault
holds (always a valid one: the vault is moved before the key it held is regenerated).

One endpoint failing does not stop the others (their keys are independent); unusable credentials do
(every other endpoint would fail the same way). The endpoints and their key secrets come from the
program's plan, so the keys are rotated, and the vault written, wherever the program puts them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from provisioning.azure.session import AzureSession
from provisioning.errors import ExitCode, MaasError
from provisioning.operations.keys import Rotation
from provisioning.operations.keys_model import EndpointRef, RotationInterrupted, RotationResult
from provisioning.operations.planned import PlannedEndpoint


class Outcome(StrEnum):
    ROTATED = "rotated"
    FAILED = "failed"  # stopped with an error; `halfDone` says whether it changed anything first
    INTERRUPTED = "interrupted"  # Ctrl-C while this endpoint was being rotated
    NOT_STARTED = "not-started"  # after an interruption or unusable credentials


@dataclass
class EndpointRotation:
    planned: PlannedEndpoint
    ref: EndpointRef
    outcome: Outcome = Outcome.NOT_STARTED
    result: RotationResult | None = None
    error: list[str] = field(default_factory=list)

    @property
    def half_done(self) -> bool:
        return self.outcome in (Outcome.FAILED, Outcome.INTERRUPTED) and bool(self.result and self.result.steps)

    def where_it_stopped(self) -> str:
        """One sentence for an endpoint that did not finish: what changed, and which key consumers hold."""
        if not self.half_done or self.result is None:
            return "nothing was changed" if self.outcome is not Outcome.NOT_STARTED else "not started"
        done = ", ".join(f"{s.action} {s.key}".strip() for s in self.result.steps)
        secret = self.result.secret
        holds = (f"Key Vault secret {secret.name} holds the {secret.holds} key, which is valid" if secret
                 else "no Key Vault secret involved")
        return f"stopped after: {done}; {holds}; rerun to finish"

    def document(self) -> dict[str, Any]:
        p = self.planned
        doc: dict[str, Any] = {
            "endpoint": p.name, "region": p.region, "project": p.project, "model": p.model.slug,
            "resourceGroup": p.resource_group, "workspace": p.workspace, "status": str(self.outcome),
            "halfDone": self.half_done, "error": list(self.error),
            "steps": [s.document() for s in self.result.steps] if self.result else [],
            "keyVaultSecret": None,
        }
        if self.result is not None and self.result.secret is not None:
            secret = self.result.secret
            doc["keyVaultSecret"] = {"name": secret.name, "holds": str(secret.holds), "version": secret.version}
        if self.outcome is not Outcome.ROTATED:
            doc["stoppedAt"] = self.where_it_stopped()
        return doc


@dataclass
class RotateAllResult:
    stack: str
    subscription: str
    endpoints: list[EndpointRotation]
    interrupted: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for e in self.endpoints if e.outcome is outcome)

    @property
    def exit_code(self) -> int:
        return 0 if all(e.outcome is Outcome.ROTATED for e in self.endpoints) else int(ExitCode.FAILED)

    def summary(self) -> dict[str, Any]:
        return {"endpoints": len(self.endpoints), **{str(o): self.count(o) for o in Outcome},
                "cancelled": self.interrupted}

    def summary_line(self) -> str:
        parts = [f"{self.count(Outcome.ROTATED)} of {len(self.endpoints)} endpoint(s) rotated"]
        for outcome in (Outcome.FAILED, Outcome.INTERRUPTED, Outcome.NOT_STARTED):
            if self.count(outcome):
                parts.append(f"{self.count(outcome)} {outcome}")
        return ", ".join(parts)

    def unfinished_lines(self) -> list[str]:
        """The half-done report: every endpoint that did not finish, and where it stands."""
        return [f"{e.outcome}: {e.planned.name} ({e.planned.region}, workspace {e.planned.workspace}): "
                f"{e.where_it_stopped()}" + (f" [{e.error[0]}]" if e.error else "")
                for e in self.endpoints if e.outcome is not Outcome.ROTATED]

    def document(self) -> dict[str, Any]:
        return {"stack": self.stack, "subscription": self.subscription,
                "endpoints": [e.document() for e in self.endpoints], "summary": self.summary()}


def rotate_all(session: AzureSession, subscription: str, endpoints: Sequence[PlannedEndpoint], *, stack: str = "",
               grace: float = 0.0, timeout: float = 300.0,
               say: Callable[[str], None] = lambda _line: None) -> RotateAllResult:
    """Rotate both keys of every endpoint, one endpoint at a time; never raises for one endpoint's
    failure, and turns Ctrl-C into a result marked interrupted (the caller reports it)."""
    result = RotateAllResult(stack, subscription, [
        EndpointRotation(p, EndpointRef(subscription, p.resource_group, p.workspace, p.name)) for p in endpoints])
    total = len(result.endpoints)
    for index, item in enumerate(result.endpoints, start=1):
        prefix = f"[{index}/{total}] {item.planned.name} ({item.planned.region})"
        say(f"{prefix}: rotating")

        def tell(line: str, prefix: str = prefix) -> None:
            say(f"{prefix}: {line}")

        rotation = Rotation(session, item.ref, None, True, timeout, grace, tell,
                            secret_id=item.planned.secret_id(subscription))
        try:
            item.result = rotation.run()
        except KeyboardInterrupt:
            item.result, item.outcome, result.interrupted = rotation.result, Outcome.INTERRUPTED, True
            say(f"{prefix}: interrupted; {item.where_it_stopped()}")
            break
        except MaasError as exc:
            if isinstance(exc, RotationInterrupted) or exc.lines()[0].startswith("interrupted"):
                item.result, item.outcome, item.error = rotation.result, Outcome.INTERRUPTED, exc.lines()
                result.interrupted = True
                say(f"{prefix}: interrupted; {item.where_it_stopped()}")
                break
            item.result, item.outcome, item.error = rotation.result, Outcome.FAILED, exc.lines()
            say(f"{prefix}: failed: {exc.lines()[0]}")
            if exc.exit_code == ExitCode.BAD_INPUT:  # credentials or endpoint unusable: the rest would fail too
                break
            continue
        item.outcome = Outcome.ROTATED
        say(f"{prefix}: rotated")
    return result

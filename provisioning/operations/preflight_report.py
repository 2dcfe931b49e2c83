"""What `maas preflight` reports: one check per line (pass / fail / fixed / unchecked), and the run's
exit code. Apart from the checks so that every group of checks can build on it without a cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from provisioning.azure.errors import ArmError
from provisioning.camel_document import camel_document
from provisioning.errors import ExitCode


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    FIXED = "fixed"
    UNCHECKED = "unchecked"  # "could not check": ARM cannot tell this caller; the detail says whom to ask


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def document(self) -> dict[str, str]:
        return camel_document(self)


@dataclass
class PreflightReport:
    checks: list[Check] = field(default_factory=list)
    fatal: ExitCode | None = None  # set when the run had to stop (credential, subscription)

    @property
    def exit_code(self) -> ExitCode:
        if self.fatal is not None:
            return self.fatal
        return ExitCode.FAILED if any(c.status is Status.FAIL for c in self.checks) else ExitCode.OK

    def document(self) -> dict[str, Any]:
        return {"checks": [c.document() for c in self.checks]}


class CheckGroup:
    """What a group of checks (a mixin of `Preflight`) may use: the session, the stack, the
    subscription and `add`. Declared here so each group type-checks on its own."""

    session: Any
    config: Any

    @property
    def sub(self) -> str:
        raise NotImplementedError

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> Check:
        raise NotImplementedError


def answer_text(exc: ArmError) -> str:
    """`HTTP 403 AuthorizationFailed`: what ARM answered, without the long message."""
    return " ".join(part for part in (f"HTTP {exc.status}" if exc.status else "", exc.code) if part) or "no answer"

"""Errors the CLI turns into exit codes, and the exit codes themselves (docs/architecture.md, Contracts).

Why one module: every command promises the same contract to scripts and pipelines — 0 all good,
1 a check failed / drift / mandatory violation, 2 bad input or unusable credentials — with one
readable line per problem and never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2


class MaasError(Exception):
    """Base for errors with a user-facing message and an exit code; str() never holds a secret."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, problems: str | Iterable[str], fix: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.fix = fix  # what to do next, when there is one thing to do
        lines = list(self.problems)
        if fix and lines:
            lines[-1] = f"{lines[-1]} -> {fix}"
        super().__init__("\n".join(lines))

    def lines(self) -> list[str]:
        return str(self).split("\n") if self.problems else []



class BadInput(MaasError):
    """The user's input (a file, an option, an inventory) cannot be used as given."""

    exit_code = ExitCode.BAD_INPUT


class CredentialError(MaasError):
    """No usable Azure credential: exit 2, like bad input (docs/architecture.md, Contracts)."""

    exit_code = ExitCode.BAD_INPUT

"""The one style of command-line option error: one line per problem, exit 2, never a traceback.

`reject` is how a command (or an option callback, while Typer is still parsing) refuses an option:
it prints the lines itself and exits 2, so the outcome is the same whether the console entry point
or a test's CliRunner catches it. Validation failures of option models are worded by
provisioning/ui/option_errors.py.
"""

from __future__ import annotations

from typing import NoReturn


def reject(problems: str | list[str]) -> NoReturn:
    """Refuse an option: one line per problem on stderr (scrubbed), exit 2."""
    from provisioning.ui.console import fail

    fail(problems)

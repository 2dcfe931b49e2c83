"""The one way a command shows that it is working: a Rich progress bar on stderr.

Why one factory: every slow path (verifying endpoints, listing workspaces for the audit, waiting on
Azure's long-running operations) must look the same and obey the same two rules: never write to
stdout, which may be a JSON document a pipeline is capturing, and draw nothing when stderr is not a
terminal (in CI logs a redrawn bar is noise; callers print a plain line there if they need one).
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

from provisioning.ui import console as ui_console


def stderr_progress(*columns: ProgressColumn | str, console: Console | None = None) -> Progress:
    """Spinner, description, bar, then `columns` (counts, state), then the elapsed time; transient,
    on `console` (stderr unless a caller hands in its own stderr-like console, e.g. a test's)."""
    target = console or ui_console.stderr
    if target.file is sys.stdout:  # a programming error, not a user's
        raise ValueError("progress goes to stderr: stdout carries the command's result")
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), *columns, TimeElapsedColumn(),
                    console=target, transient=True, disable=not target.is_terminal)

"""Progress of the slow path (per-workspace listing) on stderr: a bar on a terminal, nothing in CI
logs (where a redrawn bar is noise); stdout stays the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import MofNCompleteColumn

from provisioning.ui.progress import stderr_progress


@contextmanager
def listing_progress(description: str = "reading workspaces") -> Iterator[Callable[[int, int], None]]:
    progress = stderr_progress(MofNCompleteColumn())
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = progress.add_task(description, total=total)
        progress.update(task, completed=done, total=total)

    with progress:
        yield update

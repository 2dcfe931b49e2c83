"""Bounded waiting with a progress bar on stderr: long-running operations, provider registration.

Why one helper: every wait must end (a deadline), must not hammer Azure (server's Retry-After
first, else a growing interval), and must show that something is happening without writing to
stdout, which may be a JSON document a pipeline is capturing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich.progress import TextColumn

from provisioning.ui.console import stderr
from provisioning.ui.progress import stderr_progress

T = TypeVar("T")

MIN_INTERVAL = 0.05  # even `Retry-After: 0` must not become a busy loop
MAX_INTERVAL = 10.0


class WaitTimeout(Exception):
    """The deadline passed; the operation may still finish on Azure's side."""

    def __init__(self, description: str, timeout: float, last_state: str) -> None:
        self.description, self.timeout, self.last_state = description, timeout, last_state
        state = f" (last state: {last_state})" if last_state else ""
        super().__init__(f"{description} did not finish within {timeout:g} s{state}")


@dataclass
class Poll(Generic[T]):
    """One look at the operation: finished with a value, or not yet (with the server's advice)."""

    done: bool
    value: T | None = None
    state: str = ""
    retry_after: float | None = None


@contextmanager
def progress_bar(description: str, timeout: float) -> Iterator[Callable[[float, str], None]]:
    """A transient bar on a terminal, one line in CI logs; yields `update(elapsed_s, state)`.
    Shared by `wait_for` and the ARM client's long-running-operation poller."""
    if not stderr.is_terminal:  # CI logs: one line saying what we wait for, no redrawn bar
        stderr.print(f"{description} (up to {timeout:g} s)...", markup=False, soft_wrap=True)
    progress = stderr_progress(TextColumn("{task.fields[state]}"))
    with progress:
        task = progress.add_task(description, total=timeout, state="")

        def update(elapsed: float, state: str) -> None:
            progress.update(task, completed=min(elapsed, timeout), state=state)

        yield update


def next_delay(retry_after: float | None, interval: float, remaining: float) -> float:
    """The server's Retry-After first, else our growing interval; never a busy loop, never past
    MAX_INTERVAL, never past the deadline (a large Retry-After must not outlive --timeout)."""
    delay = retry_after if retry_after is not None else interval
    return min(max(delay, MIN_INTERVAL), MAX_INTERVAL, max(remaining, MIN_INTERVAL))


def wait_for(check: Callable[[], Poll[T]], description: str, timeout: float, *,
             initial_interval: float = 0.25, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> T | None:
    """Call `check` until it reports done or `timeout` seconds pass (WaitTimeout)."""
    start = clock()
    interval = initial_interval
    with progress_bar(description, timeout) as update:
        while True:
            poll = check()
            elapsed = clock() - start
            update(elapsed, poll.state)
            if poll.done:
                return poll.value
            if elapsed >= timeout:
                raise WaitTimeout(description, timeout, poll.state)
            sleep(next_delay(poll.retry_after, interval, timeout - elapsed))
            interval = min(interval * 1.5, MAX_INTERVAL)

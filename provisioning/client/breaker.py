"""A circuit breaker per endpoint: stop sending to an endpoint that keeps failing, probe it later.

Closed: requests flow; `failure_threshold` consecutive failures open it. Open: nothing is sent until
`reset_after_s` has passed, then it is half-open: exactly one probe may go. The probe's success
closes it; its failure opens it again for another `reset_after_s`. Throttling (429) and content
filtering are answers from a healthy endpoint and never count as failures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(
        self, failure_threshold: int = 5, reset_after_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failure_threshold < 1 or reset_after_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_after_s positive")
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self.opened_count = 0  # how often it opened: a figure for load tests and logs

    @property
    def state(self) -> CircuitState:
        if self._state is CircuitState.OPEN and self._clock() - self._opened_at >= self.reset_after_s:
            self._state = CircuitState.HALF_OPEN
            self._probing = False
        return self._state

    def allows(self) -> bool:
        """True when a request may go now (in half-open: only while no probe is in flight)."""
        state = self.state
        return state is CircuitState.CLOSED or (state is CircuitState.HALF_OPEN and not self._probing)

    def on_send(self) -> None:
        """A request leaves; in half-open it is the probe."""
        if self.state is CircuitState.HALF_OPEN:
            self._probing = True

    def seconds_until_probe(self) -> float:
        """How long until an open circuit lets its probe through (0 when it would now)."""
        if self.state is not CircuitState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.reset_after_s - self._clock())

    def on_success(self) -> None:
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._probing = False

    def on_neutral(self) -> None:
        """An answer that says nothing about health (429): a half-open probe may go again."""
        self._probing = False

    def on_failure(self) -> None:
        self._failures += 1
        if self._state is CircuitState.HALF_OPEN or self._failures >= self.failure_threshold:
            if self._state is not CircuitState.OPEN:
                self.opened_count += 1
            self._state = CircuitState.OPEN
            self._opened_at = self._clock()
            self._probing = False

"""Run the suite against every endpoint at once, within an overall deadline.

All endpoints start together (one task each); each endpoint's requests pass its own gate
(concurrency bound + request-rate limiter) and one global in-flight bound. When the deadline
strikes (or the run is interrupted), unfinished work is cancelled and every check that did not
finish is recorded as `timeout`, so `report()` is complete either way and the reports get written.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from typing import Protocol

from provisioning.verify.checks import RunContext, Suite, Target, plan_checks
from provisioning.verify.options import VerifyOptions
from provisioning.verify.results import Category, CheckResult, EndpointResult, VerifyReport
from provisioning.verify.transport import SafeHttp, describe

log = logging.getLogger("maas.verify")


class Observer(Protocol):
    """Progress hooks; called on the event loop thread."""

    def planned(self, results: Sequence[EndpointResult]) -> None: ...
    def check_done(self, result: EndpointResult, check: CheckResult) -> None: ...
    def endpoint_done(self, result: EndpointResult) -> None: ...


class _Silent:
    def planned(self, results: Sequence[EndpointResult]) -> None:
        pass

    def check_done(self, result: EndpointResult, check: CheckResult) -> None:
        pass

    def endpoint_done(self, result: EndpointResult) -> None:
        pass


class VerifyRun:
    """One run. The results exist before the first request, so whatever happens the caller can
    still ask for a complete report."""

    def __init__(self, targets: Sequence[Target], options: VerifyOptions, observer: Observer | None = None) -> None:
        self.targets = list(targets)
        self.options = options
        self.observer: Observer = observer or _Silent()
        self.results = [EndpointResult(t.endpoint, t.dialect.name, plan_checks(t, options)) for t in self.targets]
        self._finished: set[int] = set()
        self._started = time.monotonic()
        self._started_wall = time.time()
        self._ended: float | None = None
        self.deadline_hit = False

    async def execute(self) -> VerifyReport:
        options = self.options
        self._started = time.monotonic()
        self._started_wall = time.time()
        self.observer.planned(self.results)
        rng = random.Random(options.seed)
        async with SafeHttp(options, deadline_at=self._started + options.deadline_s, rng=rng) as http:
            context = RunContext(http, options, seed=rng.randrange(2**31), on_check=self.observer.check_done)

            async def one(index: int) -> None:
                target, result = self.targets[index], self.results[index]
                try:
                    await Suite(target, result, context).run()
                except Exception as exc:  # noqa: BLE001 - a bug must not cost the other endpoints' report
                    log.debug("suite for %s stopped: %s", result.label, describe(exc))
                    self._fill(result, Category.SCHEMA, f"verification stopped ({describe(exc)})")
                self._finished.add(index)
                self.observer.endpoint_done(result)

            tasks = [asyncio.create_task(one(i)) for i in range(len(self.targets))]
            try:
                _, pending = await asyncio.wait(tasks, timeout=options.deadline_s)
            finally:
                pending = {t for t in tasks if not t.done()}
                for task in pending:
                    task.cancel()
                if pending:
                    await asyncio.wait(pending, timeout=5)
            self.deadline_hit = bool(pending)
        return self.report()

    def report(self, reason: str | None = None) -> VerifyReport:
        """The report as it stands; unfinished checks become `timeout` with `reason`."""
        if self._ended is None:
            self._ended = time.monotonic()
        reason = reason or f"not finished before the {self.options.deadline_s:g}s deadline"
        for index, result in enumerate(self.results):
            if index not in self._finished:
                self._fill(result, Category.TIMEOUT, reason)
                self._finished.add(index)
                self.observer.endpoint_done(result)
        return VerifyReport(self.results, self._ended - self._started, self.deadline_hit, self._started_wall)

    def _fill(self, result: EndpointResult, category: Category, detail: str) -> None:
        for name in result.planned:
            if name not in result.checks:
                check = CheckResult.failed(name, category, detail, None)
                result.record(check)
                self.observer.check_done(result, check)


def verify(targets: Sequence[Target], options: VerifyOptions, observer: Observer | None = None) -> VerifyReport:
    """Blocking entry point for scripts; the CLI uses VerifyRun to report even when interrupted."""
    return asyncio.run(VerifyRun(targets, options, observer).execute())

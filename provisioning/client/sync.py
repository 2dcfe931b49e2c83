"""The fleet client for synchronous code: the async client on a private event loop in a daemon
thread, so it can be called from any thread, including from inside another event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from infra.catalog import REQUESTS_PER_MINUTE
from provisioning.client.fleet import AsyncFleetClient, EndpointStats, FleetImage, Inventory, routes_and_keys
from provisioning.client.keys import SecretReaderFactory
from provisioning.client.routes import FleetRoute

_T = TypeVar("_T")


class FleetClient:
    """The fleet client for synchronous code (same behaviour as AsyncFleetClient)."""

    def __init__(self, routes: Mapping[str, Sequence[FleetRoute]], keys: Mapping[str, str], **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="maas-fleet-client", daemon=True)
        self._thread.start()

        async def build() -> AsyncFleetClient:
            return AsyncFleetClient(routes, keys, **options)

        self._client = self._run(build())

    @classmethod
    def from_inventory(
        cls,
        inventory: Inventory,
        *,
        rpm_limit: int = REQUESTS_PER_MINUTE,
        credential: Any = None,
        secret_readers: SecretReaderFactory | None = None,
        **options: Any,
    ) -> FleetClient:
        routes, keys = routes_and_keys(inventory, rpm_limit, credential, secret_readers)
        return cls(routes, keys, **options)

    from_stack_outputs = from_inventory

    def _run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    @property
    def models(self) -> list[str]:
        return self._client.models

    def endpoints(self, model: str) -> list[FleetRoute]:
        return self._client.endpoints(model)

    def stats(self, model: str) -> list[tuple[FleetRoute, EndpointStats, str]]:
        return self._client.stats(model)

    def generate(self, model: str, prompt: str, **kwargs: Any) -> FleetImage:
        return self._run(self._client.generate(model, prompt, **kwargs))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> FleetClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

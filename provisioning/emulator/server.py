"""Running the emulator: uvicorn on 127.0.0.1 in a background thread with its own event loop.

Why a thread and not the caller's loop: `maas verify --emulate` and the tests call this from sync code
and from inside a running asyncio loop alike; a server on its own loop in its own thread serves both
without caring who the caller is, and stopping it is one flag plus a bounded join.

The socket is bound here, before the thread starts, so "port in use" is a clear error at once and the
base URL (with the port the OS picked for port 0) is known before the first request.
"""

from __future__ import annotations

import errno
import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from provisioning.emulator.app import HEALTH_PATH, EmulatorState, build_app
from provisioning.emulator.fleet import FakeEndpoint, build_fleet
from provisioning.emulator.protocol import protocol_class
from provisioning.emulator.settings import EmulatorSettings
from provisioning.errors import BadInput, MaasError
from provisioning.inputs.inventory import InventoryEndpoint

HOST = "127.0.0.1"  # loopback only, always: the keys travel over plain http
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0


class EmulatorError(MaasError):
    """The emulator could not start or stopped unexpectedly."""


def bind_socket(port: int) -> socket.socket:
    """A listening-ready TCP socket on 127.0.0.1:port; BadInput when the port is taken."""
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it small answers (401, 429, ...) wait ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"--port {port}: {HOST}:{port} is already in use") from None
        if exc.errno == errno.EACCES:
            message = f"--port {port}: not allowed to listen on {HOST}:{port} (ports below 1024 need root)"
            raise BadInput(message) from None
        raise BadInput(f"--port {port}: cannot listen on {HOST}:{port} ({exc.strerror})") from None
    sock.set_inheritable(False)
    return sock


class Emulator:
    """One emulated fleet on one port. Use `running_emulator(settings)` or `with Emulator(settings):`."""

    def __init__(
        self, settings: EmulatorSettings | None = None, endpoints: tuple[FakeEndpoint, ...] | None = None
    ) -> None:
        """`endpoints` (e.g. `fleet.planned_fleet(config)`) replaces the fleet the settings would build."""
        self.settings = settings or EmulatorSettings()
        self.endpoints: tuple[FakeEndpoint, ...] = build_fleet(self.settings) if endpoints is None else endpoints
        self.state = EmulatorState(self.endpoints, self.settings)
        self.app = build_app(self.state)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._failure: BaseException | None = None
        self.port: int = 0

    # -- what callers read -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if not self.port:
            raise EmulatorError("the emulator is not running")
        return f"http://{HOST}:{self.port}"

    @property
    def inventory(self) -> list[InventoryEndpoint]:
        """The stack-output `endpoints` shape, with working keys (dialect set on every entry)."""
        base = self.base_url
        return [ep.inventory_entry(base) for ep in self.endpoints]

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def statuses(self) -> dict[str, dict[int, int]]:
        """Answers given so far, per `<region>/<name>`, by HTTP status (for tests and demos)."""
        return self.state.statuses()

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S) -> Emulator:
        import uvicorn  # heavy; only when a server really starts

        if self._thread is not None:
            raise EmulatorError("the emulator is already running")
        sock = bind_socket(self.settings.port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # The httptools protocol with a deadline and a size cap for each request head (uvicorn
            # has neither); idle keep-alive connections close after timeout_keep_alive seconds.
            http=protocol_class(self.settings.header_timeout_s),
            timeout_keep_alive=5,
            timeout_graceful_shutdown=2,
            backlog=512,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"maas-emulator-{self.port}", daemon=True)
        self._thread.start()
        try:
            self._wait_until_answering(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # SystemExit from uvicorn's startup failure included
            self._failure = exc

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._thread is None or not self._thread.is_alive():
                reason = f" ({self._failure.__class__.__name__})" if self._failure else ""
                raise EmulatorError(f"the emulator on {HOST}:{self.port} stopped while starting{reason}")
            if self._server.started and self._healthy():
                return
            time.sleep(0.01)
        raise EmulatorError(f"the emulator on {HOST}:{self.port} did not answer within {timeout:g} s")

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            conn.request("GET", HEALTH_PATH)
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        thread, server = self._thread, self._server
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
        self._thread = self._server = self._sock = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def running_emulator(
    settings: EmulatorSettings | None = None, endpoints: tuple[FakeEndpoint, ...] | None = None
) -> Iterator[Emulator]:
    """Start the emulator, wait until it answers, yield it, stop it cleanly (also on errors)."""
    emulator = Emulator(settings, endpoints)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()

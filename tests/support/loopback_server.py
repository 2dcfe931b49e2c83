"""A test app served by uvicorn in a thread on a loopback socket, optionally over TLS from a throwaway CA.

One way for every fake and test server (the fake ARM, the fake Key Vault, the verifier's hostile image
APIs) to run: the socket is bound here first, so the port (0: whatever is free, no collisions between
tests) is known before the app that must name its own URL is built.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class LoopbackTls:
    """A server certificate for 127.0.0.1 and localhost from a fresh trustme CA; trusting `ca_path`
    (REQUESTS_CA_BUNDLE, SSL_CERT_FILE) is what makes a client accept the server."""

    ca_path: Path
    cert_path: Path
    key_path: Path

    @classmethod
    def issue(cls, folder: Path) -> LoopbackTls:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        tls = cls(folder / "ca.pem", folder / "server.pem", folder / "server.key")
        ca.cert_pem.write_to_path(str(tls.ca_path))
        cert.private_key_pem.write_to_path(str(tls.key_path))
        with tls.cert_path.open("wb") as f:
            for blob in cert.cert_chain_pems:
                f.write(blob.bytes())
        return tls

    def uvicorn_options(self) -> dict[str, str]:
        return {"ssl_certfile": str(self.cert_path), "ssl_keyfile": str(self.key_path)}


class LoopbackServer:
    """uvicorn in a daemon thread on a socket bound in the constructor; `start` serves an app on it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, name: str = "test server") -> None:
        # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on sockets that say so; without it every
        # answer waits ~40 ms for a delayed ACK (Nagle), which made each fake call cost 45 ms.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        self.name = name
        self.scheme = "http"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, app: Any, **options: Any) -> None:
        """Serve `app`; `options` go to uvicorn.Config (ssl_certfile and ssl_keyfile make it HTTPS).
        Returns once uvicorn is listening, or raises if it has not started within START_TIMEOUT_S."""
        import uvicorn

        self.scheme = "https" if options.get("ssl_certfile") else "http"
        config = uvicorn.Config(app, log_level="critical", lifespan="off", access_log=False,
                                timeout_graceful_shutdown=1, **options)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.sock]},
                                        name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{self.name} did not start within {START_TIMEOUT_S:g} s")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # clients' idle keep-alive connections must not delay the exit
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.sock.close()

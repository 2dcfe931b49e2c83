"""Serving the simulated control plane: uvicorn over HTTPS on 127.0.0.1 in a background thread.

The certificates and the access token are made fresh for every run and live only as long as it does
(the temporary directory holding the key is removed on stop). The token is JWT-shaped so that the
commands can say who "you" are; it is unsigned and accepted by this server only.
"""

from __future__ import annotations

import base64
import http.client
import json
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.config import FleetConfig
from provisioning.emulator.control_plane.app import build_app
from provisioning.emulator.control_plane.state import (
    SIMULATED_CALLER,
    SIMULATED_TENANT,
    SimulatedFleet,
    build_fleet,
)
from provisioning.emulator.control_plane.tls import ServerFiles, make_certificates
from provisioning.emulator.server import HOST, EmulatorError, bind_socket

START_TIMEOUT_S = 15.0
TOKEN_LIFETIME_S = 12 * 3600


def simulated_token() -> str:
    """An unsigned JWT naming a SIMULATED user (the claims Azure AD puts in user tokens: upn, oid, tid)."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"aud": "https://management.azure.com", "iss": "https://maas-emulate.invalid/simulated",
              "upn": "simulated-user@maas-emulate.invalid", "name": "SIMULATED user", "oid": SIMULATED_CALLER,
              "tid": SIMULATED_TENANT, "idtyp": "user", "exp": int(time.time()) + TOKEN_LIFETIME_S,
              "jti": secrets.token_hex(8)}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.simulated"


class ControlPlane:
    """One stack's simulated control plane on one port. Use `running_control_plane(config)`."""

    def __init__(self, config: FleetConfig, port: int = 0) -> None:
        self.config = config
        self.port_wanted = port
        self.token = simulated_token()
        self.port = 0
        self.fleet: SimulatedFleet | None = None
        self._dir: Path | None = None
        self.files: ServerFiles | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def environment(self) -> dict[str, str]:
        """What to export so that `maas` talks to this control plane instead of Azure."""
        assert self.files is not None
        return {"MAAS_ARM_ENDPOINT": self.base_url, "MAAS_ACCESS_TOKEN": self.token,
                "REQUESTS_CA_BUNDLE": str(self.files.ca_bundle)}

    def start(self) -> ControlPlane:
        import uvicorn

        sock = bind_socket(self.port_wanted)
        self.port = sock.getsockname()[1]
        self._dir = Path(tempfile.mkdtemp(prefix="maas-simulated-arm-"))
        self.files = make_certificates(self._dir)
        self.fleet = build_fleet(self.config, self.base_url)
        config = uvicorn.Config(build_app(self.fleet, self.token), log_config=None, log_level="warning",
                                access_log=False, lifespan="off", timeout_graceful_shutdown=2,
                                ssl_certfile=str(self.files.certificate), ssl_keyfile=str(self.files.private_key))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, args=(sock,), name=f"maas-simulated-arm-{self.port}",
                                        daemon=True)
        self._thread.start()
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, sock: Any) -> None:
        try:
            self._server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit from uvicorn's startup failure included
            self._failure = exc
        finally:
            sock.close()

    def _wait_until_answering(self) -> None:
        assert self.files is not None
        context = ssl.create_default_context(cafile=str(self.files.ca_bundle))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._thread is None or not self._thread.is_alive():
                raise EmulatorError(f"the simulated control plane on {HOST}:{self.port} stopped while starting")
            if self._server.started:
                conn = http.client.HTTPSConnection(HOST, self.port, timeout=2, context=context)
                try:
                    conn.request("GET", "/subscriptions", headers={"Authorization": f"Bearer {self.token}"})
                    if conn.getresponse().status == 200:
                        return
                except OSError:
                    pass
                finally:
                    conn.close()
            time.sleep(0.02)
        raise EmulatorError(f"the simulated control plane on {HOST}:{self.port} did not answer in time")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(5)
        self._thread = self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


@contextmanager
def running_control_plane(config: FleetConfig, port: int = 0) -> Iterator[ControlPlane]:
    plane = ControlPlane(config, port).start()
    try:
        yield plane
    finally:
        plane.stop()

"""`maas emulate --control-plane`: serve the SIMULATED control plane until Ctrl-C or SIGTERM, after
printing what to export (and writing it to --env-out FILE, 0600, once the server answers, so a script
can wait for the file and `source` it)."""

from __future__ import annotations

import os
import shlex
import signal
import threading
from pathlib import Path
from types import FrameType

from infra.config import FleetConfig
from provisioning.emulator.control_plane.server import ControlPlane
from provisioning.errors import ExitCode
from provisioning.ui import console

BANNER = "SIMULATED Azure control plane (maas emulate --control-plane): not Azure, nothing here is real"


def export_lines(plane: ControlPlane) -> list[str]:
    return [f"# {BANNER}; stack {plane.config.stack}",
            *(f"export {k}={shlex.quote(v)}" for k, v in plane.environment().items())]


def write_env_file(path: Path, lines: list[str]) -> None:
    """0600 from the start (it holds the simulated token), under a temporary name, then renamed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, ("\n".join(lines) + "\n").encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def serve_control_plane(config: FleetConfig, port: int, env_out: Path | None, as_json: bool) -> ExitCode:
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    plane = ControlPlane(config, port)
    try:
        plane.start()
        assert plane.fleet is not None
        lines = export_lines(plane)
        if as_json:
            console.emit_json({"simulated": True, "stack": config.stack, "subscription": plane.fleet.subscription,
                               "endpoints": len(plane.fleet.endpoints), "env": plane.environment()})
        else:
            console.emit_text("\n".join(lines))
        if env_out is not None:
            write_env_file(env_out, lines)
        where = f"; the exports are in {env_out} (0600)" if env_out else ""
        console.error_lines([
            f"{BANNER}: serving stack {config.stack} ({len(plane.fleet.endpoints)} endpoints, "
            f"{len(plane.fleet.workspaces)} workspaces, subscription {plane.fleet.subscription}) on "
            f"{plane.base_url}{where}. Export the lines above, then run maas endpoints / keys / preflight / audit "
            "--stack " + config.stack + ". Press Ctrl-C to stop."])
        while not stop.wait(0.5):
            if not plane.running:
                console.error_lines(["the simulated control plane stopped unexpectedly"])
                return ExitCode.FAILED
        console.error_lines(["Simulated control plane stopped."])
        return ExitCode.OK
    finally:
        plane.stop()
        if env_out is not None:
            env_out.unlink(missing_ok=True)  # its token and CA are gone with the server
        for sig, handler in previous.items():
            signal.signal(sig, handler)

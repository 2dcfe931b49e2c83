"""Hostile input, measured: peak memory of `maas verify` against a decompression-bomb server, of the
emulator under an oversized unauthenticated body, and of `maas plan` reading a YAML alias bomb
(docs/architecture.md, Quality bars: ~300 MB at most; printed, not asserted).

Each measured program runs in its own process and its peak resident memory is read from the kernel's
accounting of that one child (`os.wait4`), so neither this script nor the hostile peer is counted.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

INNER_BYTES = 1024 * 1024 * 1024  # what the stacked bomb expands to after its first layer is removed
KEY = "benchHostileKey0123456789abcdefXYZ"
MAAS = [sys.executable, "-m", "provisioning"]


def deflate_stream(total: int, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    """`total` zero bytes gzip-compressed without ever holding them (1 GiB -> ~1 MiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    chunk = b"\0" * (1024 * 1024)
    parts = [packer.compress(chunk) for _ in range(total // len(chunk))]
    parts.append(packer.flush())
    return b"".join(parts)


def bombs() -> dict[str, tuple[str, bytes]]:
    layer = deflate_stream(INNER_BYTES)
    return {
        "gzip, gzip (stacked)": ("gzip, gzip", gzip.compress(layer, compresslevel=9)),
        "gzip (one layer)": ("gzip", layer),
    }


class BombServer(ThreadingHTTPServer):
    daemon_threads = True
    coding = ""
    body = b""


class BombHandler(BaseHTTPRequestHandler):
    server: BombServer

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-encoding", self.server.coding)
        self.send_header("content-length", str(len(self.server.body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(self.server.body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def bomb_server(coding: str, body: bytes) -> Iterator[int]:
    server = BombServer(("127.0.0.1", 0), BombHandler)
    server.coding, server.body = coding, body
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def run_measured(args: list[str], timeout: float = 300.0, **kwargs: object) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, wall seconds) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.05)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage.ru_maxrss / 1024, time.perf_counter() - started


def verify_against_bombs() -> None:
    for name, (coding, body) in bombs().items():
        with bomb_server(coding, body) as port, tempfile.TemporaryDirectory() as tmp:
            inventory = Path(tmp) / "inventory.json"
            inventory.write_text(json.dumps({"endpoints": [{
                "region": "eastus", "model": "stable-image-core", "name": "bomb", "key": KEY,
                "uri": f"http://127.0.0.1:{port}/bomb"}]}))
            code, peak, wall = run_measured([*MAAS, "verify", "--inventory", str(inventory), "--report-dir",
                                             str(Path(tmp) / "reports"), "--timeout", "60", "--deadline", "120"])
        print(f"maas verify vs {name} bomb ({len(body):,} bytes on the wire, {INNER_BYTES >> 20} MiB inside): "
              f"peak {peak:,.0f} MB, exit {code}, {wall:.1f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the emulator did not listen on {port}")


def send_body(port: int, path: str, headers: list[str], total: int) -> str:
    """Stream `total` bytes of chunked body; the first line of whatever the server answers."""
    chunk = b"x" * (1024 * 1024)
    head = "\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                        "Transfer-Encoding: chunked", *headers]) + "\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sent = 0
        try:
            sock.sendall(head.encode())
            while sent < total:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading: what it answered is what counts
        try:
            answer = sock.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as exc:
            answer = f"({type(exc).__name__})"
    return f"{answer or '(closed)'} after {sent >> 20} MiB sent"


def emulator_under_oversized_bodies(total: int = 1024 * 1024 * 1024) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        inventory = Path(tmp) / "inventory.json"
        args = [*MAAS, "emulate", "--port", str(port), "--regions", "eastus", "--models", "stable-image-core",
                "--inventory-out", str(inventory)]
        started = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(port)
            while not inventory.exists():
                time.sleep(0.05)
            endpoint = json.loads(inventory.read_text())["endpoints"][0]
            path = endpoint["uri"].split(f":{port}", 1)[1] + "/images/generations"
            unauthenticated = send_body(port, path, [], total)
            authenticated = send_body(port, path, [f"Authorization: Bearer {endpoint['key']}"], total)
        finally:
            child.send_signal(signal.SIGINT)
            _, _, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        print(f"emulator under a {total >> 20} MiB chunked body without a key: {unauthenticated}; "
              f"with the key: {authenticated}; emulator peak {usage.ru_maxrss / 1024:,.0f} MB ({wall:.1f} s)")


# 9 levels of 9 aliases (~600 bytes) inside a value the config validates: 387 million strings once
# something walks it (a validator, an error message quoting the value).
ALIAS_BOMB = (
    "config:\n  maas-fleet:prefix: acme\n  maas-fleet:tags:\n    bomb: ["
    + '&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"], '
    + ", ".join(f"&{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    + "]\n"
)


def plan_of_an_alias_bomb(timeout: float = 120.0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Path(tmp) / "Pulumi.bomb.yaml"
        stack.write_text(ALIAS_BOMB)
        code, peak, wall = run_measured([*MAAS, "plan", "--config", str(stack)], timeout=timeout)
    outcome = f"exit {code}" if wall < timeout else f"killed after {timeout:g} s"
    print(f"maas plan --config <{len(ALIAS_BOMB)}-byte YAML alias bomb>: peak {peak:,.0f} MB, {outcome}, {wall:.1f} s")


def main() -> None:
    verify_against_bombs()
    emulator_under_oversized_bodies()
    plan_of_an_alias_bomb()


if __name__ == "__main__":
    main()

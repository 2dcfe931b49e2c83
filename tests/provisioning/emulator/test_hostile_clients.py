"""Clients that try to exhaust the emulator: unauthenticated or oversized bodies, slow heads and bodies.

Raw sockets, because an HTTP library would finish (or refuse to send) exactly the requests these
tests must leave half-done. Every wait is bounded by the socket timeout; nothing is timed.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from infra.catalog import Route
from provisioning.emulator import Emulator, EmulatorSettings, running_emulator
from provisioning.emulator.app import MAX_BODY_BYTES
from provisioning.inputs.inventory import InventoryEndpoint

WAIT_S = 10.0  # far above the 0.3 s deadlines below: a server that never answers fails, a slow machine does not


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    settings = EmulatorSettings(regions=("eastus",), models=("stable-image-core",), hosted=False,
                                header_timeout_s=0.3, body_timeout_s=0.3)
    with running_emulator(settings) as emulator:
        yield emulator


@pytest.fixture
def endpoint(emu: Emulator) -> InventoryEndpoint:
    return emu.inventory[0]


def connect(emu: Emulator) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", emu.port), timeout=WAIT_S)
    return sock


def head(endpoint: InventoryEndpoint, *lines: str) -> bytes:
    path = urlsplit(endpoint.uri).path + Route.IMAGES_GENERATIONS
    return ("\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *lines]) + "\r\n\r\n").encode()


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def bearer(endpoint: InventoryEndpoint) -> str:
    assert endpoint.key is not None
    return f"Authorization: Bearer {endpoint.key.get_secret_value()}"


@pytest.mark.parametrize("framing", ["Content-Length: 1000000000", "Transfer-Encoding: chunked"])
def test_an_unauthenticated_body_is_never_read(emu: Emulator, endpoint: InventoryEndpoint, framing: str) -> None:
    """1 GB announced (or chunked without end), 1 kB sent: the 401 comes at once and the connection
    closes, so the server never holds (or waits for) the rest."""
    with connect(emu) as sock:
        # One write: everything the client sends is in before the answer, so the close is a clean one.
        start = b"400\r\n" + b"x" * 1024 if "chunked" in framing else b"x" * 1024
        sock.sendall(head(endpoint, "Content-Type: application/json", framing) + start)
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert b"connection: close" in answer.lower()


def test_a_body_past_the_cap_is_refused_as_it_arrives(emu: Emulator, endpoint: InventoryEndpoint) -> None:
    """Chunked, so no length announces it: 413 the moment the running count passes the cap."""
    chunk = b"x" * (1024 * 1024)
    with connect(emu) as sock:
        sock.sendall(head(endpoint, bearer(endpoint), "Content-Type: application/json", "Transfer-Encoding: chunked"))
        for _ in range(MAX_BODY_BYTES // len(chunk)):
            sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        sock.sendall(b"1\r\nx\r\n")  # one byte past the cap, and the body never ends
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"request_too_large" in answer and b"connection: close" in answer.lower()


def test_a_slow_body_is_answered_408(emu: Emulator, endpoint: InventoryEndpoint) -> None:
    with connect(emu) as sock:
        sock.sendall(head(endpoint, bearer(endpoint), "Content-Type: application/json", "Content-Length: 100"))
        sock.sendall(b'{"prompt": ')
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"request_timeout" in answer and b"connection: close" in answer.lower()


def test_half_sent_heads_are_closed(emu: Emulator, endpoint: InventoryEndpoint) -> None:
    """Twenty clients that never finish their request head (a slow-loris): every connection is closed."""
    socks = [connect(emu) for _ in range(20)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(head(endpoint, bearer(endpoint))[: 10 + i])  # cut inside the request line or a header
        assert [read_answer(sock) for sock in socks] == [b""] * len(socks)
    finally:
        for sock in socks:
            sock.close()


def test_a_silent_connection_is_closed(emu: Emulator) -> None:
    with connect(emu) as sock:
        assert read_answer(sock) == b""


def test_an_endless_head_is_refused(emu: Emulator, endpoint: InventoryEndpoint) -> None:
    with connect(emu) as sock:
        request = head(endpoint, *(f"X-Filler-{i}: {'y' * 1000}" for i in range(100)))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)  # may be refused while still sending: what matters is what arrived
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_keep_alive_survives_a_small_unauthenticated_request(emu: Emulator, endpoint: InventoryEndpoint) -> None:
    """A well-behaved client without its key (the verifier's auth check) keeps its connection."""
    body = b'{"prompt": "a cat"}'
    with connect(emu) as sock:
        sock.sendall(head(endpoint, "Content-Type: application/json", f"Content-Length: {len(body)}") + body)
        first = sock.recv(65536)
        sock.sendall(head(endpoint, bearer(endpoint), "Content-Type: application/json",
                          f"Content-Length: {len(body)}", "Connection: close") + body)
        second = read_answer(sock)
    assert first.startswith(b"HTTP/1.1 401 ") and b"connection: close" not in first.lower()
    assert second.startswith(b"HTTP/1.1 200 ")

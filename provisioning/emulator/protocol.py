"""uvicorn's HTTP protocol with the two limits it lacks: a deadline for the request head, and a cap on its size.

uvicorn times out idle keep-alive connections (`timeout_keep_alive`) but nothing while a request head
is arriving: a client that connects and sends half a request line, or one header a minute, holds its
connection forever (a few hundred such clients exhaust the server), and a head that never ends grows
the header list without bound. Here the head must be complete within `header_timeout_s` of the
connection opening (or of the previous answer on a keep-alive connection) and within
`MAX_HEAD_BYTES`; otherwise the connection is closed (431 for a head too large). The body has its own
deadline in the application (`EmulatorSettings.body_timeout_s`), which sees it arrive.

Built on the httptools protocol (a hard dependency) rather than "auto", so the callbacks overridden
here are always the ones that run.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES: Final = 64 * 1024  # request line + headers; real clients send a few hundred bytes
_TOO_LARGE: Final = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\nconnection: close\r\n\r\nrequest head larger than 64 KiB"
)


class DeadlineProtocol(HttpToolsProtocol):
    """One connection; `header_timeout_s` is set per server by `protocol_class`."""

    header_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._refused = False  # the head was too large: the rest of what arrives is ignored

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._head_timer is None:
            # The next request on a keep-alive connection: idle time before its first byte is the
            # keep-alive timer's business, the head deadline starts here.
            self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        if not self._refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        if not self._refused:
            super().on_header(name, value)

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        if not self._refused:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES and not self._refused:
            self._refused = True
            self._stop_head_timer()
            self.transport.write(_TOO_LARGE)
            self.transport.close()

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_class(header_timeout_s: float) -> type[DeadlineProtocol]:
    """The protocol uvicorn instantiates per connection, with this server's head deadline."""
    return type("EmulatorProtocol", (DeadlineProtocol,), {"header_timeout_s": header_timeout_s})

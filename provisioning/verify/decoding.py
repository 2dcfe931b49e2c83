"""Content-Encoding decoding that never produces more bytes than the caller will keep.

Why not httpx's own decoders: they inflate each network chunk in one call with no output limit and
stack one decoder per listed coding, so `Content-Encoding: gzip, gzip` turns a 2 kB answer into
gigabytes before any size cap sees a byte. Here the encoding list is checked first (one coding at
most, from the set HTTP clients commonly accept), and every decompression call is bounded by the
room left under the cap, so memory stays at the cap whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Final, Protocol

import brotli  # type: ignore[import-untyped]

ACCEPTED_CODINGS: Final = ("identity", "gzip", "deflate", "br")


class EncodingRefused(Exception):
    """The answer's Content-Encoding is not one coding out of ACCEPTED_CODINGS."""


class DecodeFailed(Exception):
    """The body does not decode with the coding it declares."""


class _Decoder(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...

    def pending(self, limit: int) -> bytes: ...


def coding_of(values: list[str]) -> str:
    """The single coding a response declares ("identity" for none); EncodingRefused otherwise.

    `values` are the Content-Encoding header values, possibly comma-separated. A stacked list
    (`gzip, gzip`) is refused even when each coding is accepted: it multiplies the expansion ratio
    and no real endpoint sends one.
    """
    codings = [c.strip().lower() for v in values for c in v.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    unknown = sorted({c for c in codings if c not in ACCEPTED_CODINGS})
    if unknown:
        shown = ", ".join(repr(c[:20]) for c in unknown[:3])
        raise EncodingRefused(f"Content-Encoding {shown} refused: only {', '.join(ACCEPTED_CODINGS)} are accepted")
    if len(codings) > 1:
        raise EncodingRefused(
            f"stacked Content-Encoding {', '.join(codings[:4])} refused: one coding at most "
            f"({', '.join(ACCEPTED_CODINGS)})"
        )
    return codings[0] if codings else "identity"


class _Identity:
    def feed(self, data: bytes, limit: int) -> bytes:
        return data[:limit]

    def pending(self, limit: int) -> bytes:
        return b""


class _Zlib:
    """gzip, or deflate as servers send it: zlib-wrapped per RFC 9110, or raw (a common mistake that
    every browser accepts, so the first chunk decides)."""

    def __init__(self, wbits: int, raw_fallback: bool = False) -> None:
        self._obj = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback
        self._tail = b""

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._obj.decompress(data, limit)
        except zlib.error as exc:
            if not self._raw_fallback:
                raise DecodeFailed(f"the body does not decode ({exc})") from None
            self._raw_fallback = False
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data, limit)
        self._raw_fallback = False
        self._tail = self._obj.unconsumed_tail
        return out

    def pending(self, limit: int) -> bytes:
        if not self._tail:
            return b""
        return self.feed(self._tail, limit)


class _Brotli:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            return bytes(self._obj.process(data, output_buffer_limit=limit))
        except brotli.error as exc:
            raise DecodeFailed(f"the body does not decode as br ({exc})") from None

    def pending(self, limit: int) -> bytes:
        if self._obj.can_accept_more_data():
            return b""
        return self.feed(b"", limit)


def decoder_for(coding: str) -> _Decoder:
    if coding == "gzip":
        return _Zlib(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS, raw_fallback=True)
    if coding == "br":
        return _Brotli()
    return _Identity()


async def read_decoded(raw: AsyncIterator[bytes], coding: str, cap: int) -> tuple[bytes, bool]:
    """Decode `raw` (the body as sent) up to `cap` decoded bytes; True when there was more.

    Every decompression call may produce at most the room left under the cap plus one byte (the
    byte that proves there is more; brotli may add its output buffer's last growth step), so neither
    a bomb nor a long body is ever held much past the cap.
    The compressed input is bounded the same way: it is never larger than what it decodes to by more
    than a small factor, and a body that keeps sending input without output is cut at the cap too.
    """
    decoder = decoder_for(coding)
    chunks: list[bytes] = []
    size = 0
    taken = 0
    async for data in raw:
        taken += len(data)
        out = decoder.feed(data, cap - size + 1)
        while out:
            chunks.append(out)
            size += len(out)
            if size > cap:
                return b"".join(chunks)[:cap], True
            out = decoder.pending(cap - size + 1)
        if taken > cap:
            return b"".join(chunks), True
    return b"".join(chunks), False

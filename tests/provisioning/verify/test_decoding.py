"""Content-Encoding handling: one accepted coding at most, and never more output than the cap."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import brotli  # type: ignore[import-untyped]
import pytest

from provisioning.verify.decoding import DecodeFailed, EncodingRefused, coding_of, decoder_for, read_decoded

ZEROS = b"\0" * (8 * 1024 * 1024)


async def chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.mark.parametrize(("values", "coding"), [
    ([], "identity"), (["identity"], "identity"), (["GZIP"], "gzip"), (["deflate"], "deflate"), (["br"], "br"),
    (["identity, gzip"], "gzip"), ([" br "], "br"),
])
def test_one_accepted_coding(values: list[str], coding: str) -> None:
    assert coding_of(values) == coding


@pytest.mark.parametrize(("values", "says"), [
    (["gzip, gzip"], "stacked Content-Encoding gzip, gzip refused"),
    (["gzip", "gzip"], "stacked Content-Encoding gzip, gzip refused"),
    (["gzip, br"], "stacked"),
    (["zstd"], "Content-Encoding 'zstd' refused: only identity, gzip, deflate, br are accepted"),
    (["compress"], "'compress' refused"),
    (["x-gzip"], "'x-gzip' refused"),
])
def test_other_codings_are_refused_in_one_line(values: list[str], says: str) -> None:
    with pytest.raises(EncodingRefused) as caught:
        coding_of(values)
    assert says in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("coding", "encoded"), [
    ("gzip", gzip.compress(ZEROS)),
    ("deflate", zlib.compress(ZEROS)),
    ("br", brotli.compress(ZEROS, quality=5)),
])
def test_no_decoder_call_returns_more_than_asked(coding: str, encoded: bytes) -> None:
    """The bound holds per call, so memory stays at the cap whatever the ratio (~1000:1 here).
    brotli stops growing its output buffer once it reaches the limit, so it may overshoot by the
    buffer's last growth step (tens of kB), never by the expansion ratio."""
    bound = 4096 if coding != "br" else 4096 + 64 * 1024
    decoder = decoder_for(coding)
    out = decoder.feed(encoded, 4096)
    assert 0 < len(out) <= bound
    for _ in range(10):
        out = decoder.pending(4096)
        assert len(out) <= bound


@pytest.mark.parametrize(("coding", "encoded"), [
    ("gzip", gzip.compress(ZEROS)),
    ("deflate", zlib.compress(ZEROS)),
    ("br", brotli.compress(ZEROS, quality=5)),
    ("identity", ZEROS),
])
async def test_a_bomb_is_cut_at_the_cap(coding: str, encoded: bytes) -> None:
    body, more = await read_decoded(chunks(encoded), coding, 100_000)
    assert more and len(body) == 100_000


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "identity"])
async def test_an_honest_body_decodes_whole(coding: str) -> None:
    payload = b'{"image": "' + b"QUJD" * 5000 + b'", "created": 1}'
    encoded = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
               "identity": lambda d: d}[coding](payload)
    assert await read_decoded(chunks(encoded, 100), coding, 1_000_000) == (payload, False)


async def test_garbage_under_a_coding_fails_to_decode() -> None:
    with pytest.raises(DecodeFailed):
        await read_decoded(chunks(b"not gzip"), "gzip", 1000)

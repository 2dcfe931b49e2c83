"""Real, deterministic, visibly non-blank images for the emulator, fast enough for load tests.

Why not a fixed picture: the verifier checks that an image decodes at the requested size and format,
is not blank, and differs with the prompt and seed; a contact sheet of the fleet should show which
endpoint drew what. So every image is a seeded composition (a colour ramp, shapes, a caption)
derived from a digest of all inputs: same inputs -> same bytes, any changed input -> other bytes.

Speed: a 1024x1024 PNG takes ~30 ms here (a bilinear-upscaled colour ramp is cheap; zlib level 1 with
the RLE strategy encodes it fastest) and is ~50 KB, so clients decode answers quickly too. Results are
kept base64-encoded in a small LRU cache, and concurrent requests for the same image share one
rendering (single flight), so load tests measure the server, not Pillow.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import json
import random
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

import anyio.to_thread
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from infra.catalog import Size
from provisioning.emulator.azure_dialect import AzureImageRequest
from provisioning.emulator.hosted_dialect import HostedImageRequest
from provisioning.redact import REDACTOR

K = TypeVar("K")
V = TypeVar("V")

_JPEG_QUALITY = 90
_INIT_FORMATS = ("PNG", "JPEG", "WEBP")
MIN_INIT_SIDE = 64
MAX_INIT_PIXELS = 4096 * 4096
_FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


class InitImageError(ValueError):
    """The `image_prompt.image` value is not a usable image; the message says why (no data echoed)."""


@dataclass(frozen=True)
class InitImage:
    """A decoded image-to-image input, with a digest so the output can depend on its content."""

    image: Image.Image = field(compare=False, repr=False)
    digest: str


def decode_init_image(text: str) -> InitImage:
    """base64 (optionally a `data:image/...;base64,` URL) -> RGB image; blocking, call in a thread."""
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InitImageError("is not valid base64") from None
    if not raw:
        raise InitImageError("is empty")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt, (width, height) = probe.format, probe.size
            if fmt not in _INIT_FORMATS:
                raise InitImageError(f"is a {fmt} image; allowed: {', '.join(f.lower() for f in _INIT_FORMATS)}")
            if min(width, height) < MIN_INIT_SIDE:
                raise InitImageError(f"is {width}x{height}; each side must be at least {MIN_INIT_SIDE} pixels")
            if width * height > MAX_INIT_PIXELS:
                raise InitImageError(f"is {width}x{height}; at most {MAX_INIT_PIXELS} pixels are accepted")
            image = probe.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise InitImageError("is not a decodable PNG, JPEG or WEBP image") from None
    return InitImage(image=image, digest=hashlib.sha256(raw).hexdigest())


@dataclass(frozen=True)
class ImageJob:
    """Everything that determines the bytes of one generated image."""

    model: str
    prompt: str
    size: Size
    output_format: str  # "png" | "jpeg"
    seed: int = 0
    negative_prompt: str = ""
    init: InitImage | None = None
    strength: float | None = None
    extras: tuple[tuple[str, str], ...] = ()  # dialect-specific inputs (steps, cfg) as canonical text

    @property
    def digest(self) -> str:
        canonical = json.dumps(
            [
                self.model,
                self.prompt,
                str(self.size),
                self.output_format,
                self.seed,
                self.negative_prompt,
                self.init.digest if self.init else None,
                self.strength,
                list(self.extras),
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_request(
        cls,
        model: str,
        request: AzureImageRequest | HostedImageRequest,
        *,
        init: InitImage | None = None,
        strength: float | None = None,
        extras: tuple[tuple[str, str], ...] = (),
    ) -> ImageJob:
        """The job for a parsed request of either dialect: what both carry, plus what only one does."""
        return cls(
            model=model,
            prompt=request.prompt,
            size=request.size,
            output_format=request.output_format,
            seed=request.seed,
            negative_prompt=request.negative_prompt,
            init=init,
            strength=strength,
            extras=extras,
        )


@lru_cache(maxsize=16)
def _font(size: int) -> _FontType:
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError):  # Pillow built without FreeType: a small bitmap font still works
        return ImageFont.load_default()


def _colour(rnd: random.Random) -> tuple[int, int, int]:
    return (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))


def render(job: ImageJob) -> bytes:
    """Draw and encode the image for `job`; blocking (tens of ms), call it in a worker thread."""
    w, h = job.size.width, job.size.height
    rnd = random.Random(int(job.digest[:16], 16))

    # A vertical gradient through three colours: every row is one colour, which PNG's row filters
    # compress to almost nothing, so answers stay small (~50 KB for 1024x1024) and cheap to decode.
    ramp = Image.new("RGB", (1, 3))
    ramp.putdata([_colour(rnd) for _ in range(3)])
    img = ramp.resize((w, h), Image.Resampling.BILINEAR)

    draw = ImageDraw.Draw(img)
    short = min(w, h)
    for _ in range(rnd.randint(5, 9)):
        cx, cy = rnd.randrange(w), rnd.randrange(h)
        r = rnd.randrange(short // 14, short // 4)
        fill, outline = _colour(rnd), _colour(rnd)
        kind = rnd.randrange(3)
        if kind == 0:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill, outline=outline, width=max(2, short // 200))
        elif kind == 1:
            draw.rectangle((cx - r, cy - r // 2, cx + r, cy + r // 2), fill=fill, outline=outline, width=2)
        else:
            draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=fill, outline=outline)

    if job.init is not None:
        source = job.init.image.resize((w, h), Image.Resampling.BILINEAR)
        # strength 0 keeps the input image, 1 ignores it (the Stability image-to-image convention).
        img = Image.blend(source, img, 1.0 if job.strength is None else job.strength)
        draw = ImageDraw.Draw(img)

    band = max(24, h // 18)
    draw.rectangle((0, h - band, w, h), fill=(16, 16, 16))
    # The prompt is drawn into the picture: scrubbed first (a key pasted into a prompt must not end up
    # in an image, whole or cut), then shortened.
    caption = REDACTOR.scrub(f"{job.model} · seed {job.seed} · {job.prompt}")
    if len(caption) > 90:
        caption = caption[:89] + "…"
    draw.text((band // 3, h - band + band // 6), caption, fill=(240, 240, 240), font=_font(band * 2 // 3))

    buf = io.BytesIO()
    if job.output_format == "jpeg":
        img.save(buf, "JPEG", quality=_JPEG_QUALITY)
    else:
        img.save(buf, "PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return buf.getvalue()


class SingleFlightMemo(Generic[K, V]):
    """`compute(arg)` remembered by `key(arg)` (least recently used dropped first), computed at most
    once at a time per key in a worker thread: concurrent askers for the same key share one computation.

    The LRU is guarded by a lock (threads may read it); in-flight computations are tracked per event
    loop, which is the emulator's one server loop.
    """

    def __init__(self, compute: Callable[[K], V], key: Callable[[K], str], max_entries: int) -> None:
        self._compute = compute
        self._key = key
        self._max = max_entries
        self._lock = threading.Lock()
        self._done: OrderedDict[str, V] = OrderedDict()
        self._pending: dict[str, asyncio.Task[V]] = {}
        self._computed = 0

    @property
    def computed(self) -> int:
        """How many times a value was actually computed (for tests and benchmarks)."""
        return self._computed

    def _get(self, key: str) -> V | None:
        with self._lock:
            value = self._done.get(key)
            if value is not None:
                self._done.move_to_end(key)
            return value

    def _put(self, key: str, value: V) -> None:
        with self._lock:
            self._done[key] = value
            self._done.move_to_end(key)
            while len(self._done) > self._max:
                self._done.popitem(last=False)

    async def get(self, arg: K) -> V:
        """The value for `arg`: remembered, being computed for another asker, or computed now."""
        key = self._key(arg)
        cached = self._get(key)
        if cached is not None:
            return cached
        task = self._pending.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._computation(key, arg))
            task.add_done_callback(_retrieve)
            self._pending[key] = task
        # A client that disconnects cancels its own wait, never the shared computation.
        return await asyncio.shield(task)

    async def _computation(self, key: str, arg: K) -> V:
        try:
            self._computed += 1
            value = await anyio.to_thread.run_sync(self._compute, arg)
            self._put(key, value)  # a failed computation (an invalid input) is not remembered
            return value
        finally:
            self._pending.pop(key, None)


ImageCache = SingleFlightMemo[ImageJob, bytes]
InitImageCache = SingleFlightMemo[str, InitImage]


def image_cache(max_entries: int = 64, renderer: Callable[[ImageJob], bytes] = render) -> ImageCache:
    """Rendered images by job digest, kept base64-encoded (as they are served)."""
    return SingleFlightMemo(lambda job: base64.b64encode(renderer(job)), key=_job_digest, max_entries=max_entries)


def init_image_cache(
    max_entries: int = 16, decoder: Callable[[str], InitImage] = decode_init_image
) -> InitImageCache:
    """Decoded image-to-image inputs (`image_prompt.image` values) by content; InitImageError when unusable.

    Why: a smoke test sends the same probe picture to every image-to-image endpoint at once, and
    decoding a 1024x1024 PNG takes ~20 ms of a worker thread; fifty identical uploads were fifty
    decodes competing with the server for two cores. Same bytes, same decoded image (never
    modified: rendering derives new images from it). Invalid inputs are not remembered.
    """
    return SingleFlightMemo(decoder, key=_text_digest, max_entries=max_entries)


def _job_digest(job: ImageJob) -> str:
    return job.digest


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a failed computation's exception as seen: the waiters re-raise it, or nobody is left."""
    if not task.cancelled():
        task.exception()

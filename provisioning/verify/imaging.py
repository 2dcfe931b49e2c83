"""Is what came back really the image we asked for? Decode, format, size, not blank; and the small
JPEG thumbnails the contact sheet shows.

Runs in a worker thread (Pillow releases the GIL while decoding), so many endpoints' images are
checked while the event loop keeps talking to the others.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import warnings
from dataclasses import dataclass, field
from functools import cache

from PIL import Image, ImageDraw, ImageStat, UnidentifiedImageError

from infra.catalog import SIZES, Size

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG"}
THUMBNAIL_PX = 192
# Nothing a catalog size produces comes near this; bigger headers are not decoded at all.
MAX_PIXELS = 4 * max(s.width * s.height for s in SIZES)
BLANK_STDDEV = 1.5  # grey-level standard deviation under which an image carries no picture


class ImageProblem(Exception):
    """The answer's image is unusable; str() is the readable reason."""


@dataclass(frozen=True)
class ImageFacts:
    format: str  # Pillow's name: PNG, JPEG, ...
    width: int
    height: int
    thumbnail: bytes | None = field(repr=False)  # JPEG, when the image could be decoded
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def decode_base64(value: object) -> bytes:
    if not isinstance(value, str) or not value:
        raise ImageProblem("`image` is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ImageProblem("`image` is not valid base64") from None


def inspect_image(data: bytes, expected_formats: tuple[str, ...], expected: Size) -> ImageFacts:
    """Every problem at once (a wrong format *and* size is one report, not two runs)."""
    wanted = [PIL_FORMATS.get(f, f.upper()) for f in expected_formats]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem(f"{len(data)} bytes that are not a {' or '.join(wanted)} image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem(f"image cannot be opened ({type(exc).__name__})") from None
    problems: list[str] = []
    fmt = img.format or "unknown"
    if fmt not in wanted:
        problems.append(f"format {fmt}, expected {' or '.join(wanted)}")
    width, height = img.size
    if (width, height) != (expected.width, expected.height):
        problems.append(f"size {width}x{height}, expected {expected}")
    if width * height > MAX_PIXELS:
        problems.append(f"{width}x{height} is far beyond any catalog size; not decoded")
        return ImageFacts(fmt, width, height, None, tuple(problems))
    try:
        if fmt == "JPEG":
            img.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))  # decode at reduced scale: faster
        img.load()
    except (OSError, ValueError, SyntaxError) as exc:
        problems.append(f"image data is truncated or corrupt ({type(exc).__name__})")
        return ImageFacts(fmt, width, height, None, tuple(problems))
    # Integer box reduction: an order of magnitude cheaper than a resampling thumbnail of 1 MP.
    factor = max(1, -(-max(img.size) // THUMBNAIL_PX))
    small = img.reduce(factor) if factor > 1 else img.copy()
    if _is_blank(small):
        problems.append("image is blank (a single flat colour)")
    return ImageFacts(fmt, width, height, _jpeg(small), tuple(problems))


def _is_blank(img: Image.Image) -> bool:
    if "A" in img.getbands():
        alpha = img.getchannel("A")
        if alpha.getextrema()[1] == 0:
            return True  # fully transparent
    grey = img.convert("L")
    return bool(ImageStat.Stat(grey).stddev[0] < BLANK_STDDEV)


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    rgb = img.convert("RGB")
    rgb.save(out, format="JPEG", quality=80)
    return out.getvalue()


@cache
def probe_image_base64(size: Size) -> str:
    """The input of the image-to-image check: a deterministic, cheap-to-encode PNG of `size`
    (a gradient with a few shapes, so it is not blank and compresses to a few kilobytes)."""
    img = Image.linear_gradient("L").resize((size.width, size.height)).convert("RGB")
    draw = ImageDraw.Draw(img)
    w, h = size.width, size.height
    draw.ellipse((w // 4, h // 4, w // 2, h // 2), fill=(200, 40, 40))
    draw.rectangle((w // 2, h // 2, 3 * w // 4, 3 * h // 4), fill=(40, 40, 200))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=6)
    return base64.b64encode(out.getvalue()).decode("ascii")


def inspect_base64(image_b64: str, expected_formats: tuple[str, ...], expected: Size) -> ImageFacts:
    """`inspect_image` of the decoded `image` field; ImageProblem when it is not base64."""
    return inspect_image(decode_base64(image_b64), expected_formats, expected)


class Inspections:
    """Per-run memo of image verdicts by content, single-flight: endpoints that return the same
    picture (the same model asked for the same seed usually does) are decoded once. Keyed on the
    answer's base64 text itself, so a repeat costs one hash, not a base64 decode as well. Same text,
    same verdict (a problem, too); the decoding runs in a worker thread."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, tuple[str, ...], Size], asyncio.Future[ImageFacts]] = {}

    async def inspect(self, image_b64: str, formats: tuple[str, ...], expected: Size) -> ImageFacts:
        if not isinstance(image_b64, str) or not image_b64:
            raise ImageProblem("`image` is not a base64 string")
        digest = hashlib.sha256(image_b64.encode("utf-8", "surrogatepass")).hexdigest()
        key = (digest, formats, expected)
        future = self._pending.get(key)
        if future is None:
            future = asyncio.ensure_future(asyncio.to_thread(inspect_base64, image_b64, formats, expected))
            future.add_done_callback(_seen)
            self._pending[key] = future
        return await asyncio.shield(future)


def _seen(future: asyncio.Future[ImageFacts]) -> None:
    """A verdict that is an exception is re-raised to every waiter; mark it retrieved for asyncio."""
    if not future.cancelled():
        future.exception()

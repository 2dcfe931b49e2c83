"""Calling the emulator from tests: the key of an inventory entry, auth headers, finding an endpoint,
decoding an answer's image, a small PNG for image prompts."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
from PIL import Image

from provisioning.emulator import Emulator
from provisioning.inputs.inventory import InventoryEndpoint

TIMEOUT = httpx.Timeout(10.0)


def key_of(ep: InventoryEndpoint) -> str:
    assert ep.key is not None
    return ep.key.get_secret_value()


def bearer(ep: InventoryEndpoint) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_of(ep)}"}


def find(emulator: Emulator, model: str, dialect: str = "azure", region: str | None = None) -> InventoryEndpoint:
    for ep in emulator.inventory:
        if ep.model == model and ep.dialect == dialect and (region is None or ep.region == region):
            return ep
    raise LookupError(f"no {dialect} endpoint for {model}")


def decode(answer: dict[str, Any]) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(answer["image"], validate=True)))
    image.load()
    return image


def png_b64(size: tuple[int, int] = (96, 80), colour: tuple[int, int, int] = (200, 30, 30)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()

"""Fixtures for the emulator tests: real servers on 127.0.0.1, real HTTP with httpx, bounded timeouts."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from provisioning.emulator import Emulator, EmulatorSettings, running_emulator
from provisioning.inventory import InventoryEndpoint

TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """The default fleet (2 regions x 3 models + hosted), shared by a module's read-only tests."""
    with running_emulator(EmulatorSettings()) as emulator:
        yield emulator


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TIMEOUT, trust_env=False) as c:
        yield c


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

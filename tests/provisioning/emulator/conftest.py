"""Fixtures for the emulator tests: real servers on 127.0.0.1, real HTTP with httpx, bounded timeouts.
Helpers for calling it live in tests.support.emulator_calls."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from provisioning.emulator import Emulator, EmulatorSettings, running_emulator
from tests.support.emulator_calls import TIMEOUT


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """The default fleet (2 regions x 3 models + hosted), shared by a module's read-only tests."""
    with running_emulator(EmulatorSettings()) as emulator:
        yield emulator


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TIMEOUT, trust_env=False) as c:
        yield c

"""Shared test fixtures. Network tests talk to 127.0.0.1 only, with bounded loops and timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest

# Shared fixtures live in the tests.support package and are registered here once for every directory.
pytest_plugins = ["tests.support.azure_fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project_root() -> Path:
    return ROOT

"""Fixtures for the audit tests: builders for fleets of many subscriptions x workspaces, planted in
the fake ARM (tests.support.fake_arm, with its Resource Graph route). The `arm` and `maas` fixtures
come from tests.support.azure_fixtures, registered for every directory by the root conftest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.audit_fleet import Fleet, build
from tests.support.fake_arm import FakeArm


@pytest.fixture
def build_fleet(arm: FakeArm, tmp_path: Path) -> Callable[..., Fleet]:
    """`build_fleet(subscriptions=3, workspaces=40)`: see tests.support.audit_fleet.build."""

    def make(subscriptions: int = 3, workspaces: int = 40, **kwargs: Any) -> Fleet:
        return build(arm, tmp_path, subscriptions, workspaces, **kwargs)

    return make

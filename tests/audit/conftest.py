"""Fixtures for the audit tests: the fake ARM of tests/azure (with its Resource Graph route), its
`arm` / `maas` fixtures re-exported, and builders for fleets of many subscriptions x workspaces.

The Azure fixtures are loaded from tests/azure/conftest.py by path (both directories hold a
`conftest` module, so a plain import would pick the wrong one).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
_AZURE = _HERE.parent / "azure"
for _path in (_AZURE, _HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

_spec = importlib.util.spec_from_file_location("azure_test_fixtures", _AZURE / "conftest.py")
assert _spec is not None and _spec.loader is not None
_azure_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _azure_fixtures  # dataclasses look their module up while the class is built
_spec.loader.exec_module(_azure_fixtures)

fake_arm_server = _azure_fixtures.fake_arm_server
arm = _azure_fixtures.arm
maas = _azure_fixtures.maas
Run = _azure_fixtures.Run

from audit_fleet import Fleet, build  # noqa: E402
from fake_arm import FakeArm  # noqa: E402


@pytest.fixture
def build_fleet(arm: FakeArm, tmp_path: Path) -> Callable[..., Fleet]:
    """`build_fleet(subscriptions=3, workspaces=40)`: see audit_fleet.build."""

    def make(subscriptions: int = 3, workspaces: int = 40, **kwargs: Any) -> Fleet:
        return build(arm, tmp_path, subscriptions, workspaces, **kwargs)

    return make

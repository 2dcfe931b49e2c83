from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.config import FleetConfig, parse_stack_config
from provisioning.plan.program import PlanResult, plan

PRINCIPALS = [
    {"principalId": "11111111-1111-4111-8111-111111111111", "principalType": "Group", "persona": "deployer",
     "displayName": "deployers"},
    {"principalId": "22222222-2222-4222-8222-222222222222", "principalType": "ServicePrincipal",
     "persona": "consumer", "displayName": "app"},
    {"principalId": "33333333-3333-4333-8333-333333333333", "principalType": "User", "persona": "auditor"},
]


def _make_config(**overrides: object) -> FleetConfig:
    raw = {
        "maas-fleet:prefix": "acme",
        "maas-fleet:regions": ["eastus", "eastus2", "westus3"],
        "maas-fleet:projects": ["main", "batch"],
        "maas-fleet:access": PRINCIPALS,
        "azure-native:subscriptionId": "aaaaaaaa-0000-4000-8000-000000000001",
    }
    raw.update({f"maas-fleet:{k}": v for k, v in overrides.items()})
    return parse_stack_config(raw, stack="test")


@pytest.fixture(scope="session")
def make_config() -> Callable[..., FleetConfig]:
    """Factory: a valid 3 regions x 2 projects x 3 models config with all personas; kwargs override keys."""
    return _make_config


@pytest.fixture(scope="session")
def fleet_plan() -> PlanResult:
    """The factory's default config, planned once per session."""
    return plan(_make_config())

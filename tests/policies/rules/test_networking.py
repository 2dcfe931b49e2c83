"""Private networking rule (policies/rules/networking.py) both ways."""

from __future__ import annotations

from dataclasses import replace

from policies.records import Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import changed, workspace

RULE = "prod-private-networking"


def test_public_prod_workspace_is_advisory() -> None:
    prod = changed(workspace(), "tags.environment", "prod")
    hit = assert_violation(RULE, prod, says="publicNetworkAccess Enabled (not set)")
    assert hit.severity is Severity.ADVISORY
    assert_violation(RULE, changed(prod, "publicNetworkAccess", "Enabled"), says="publicNetworkAccess Enabled")
    assert_no_violation(RULE, changed(prod, "publicNetworkAccess", "Disabled"))


def test_dev_and_unknown_stay_silent() -> None:
    assert_no_violation(RULE, workspace())
    prod = changed(workspace(), "tags.environment", "prod")
    assert_no_violation(RULE, replace(prod, unknown_paths=("publicNetworkAccess",)))

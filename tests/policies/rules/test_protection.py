"""Protection rule (policies/rules/protection.py) both ways."""

from __future__ import annotations

from dataclasses import replace

from infra import resource_types as t
from policies.records import ResourceRecord, Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import NAMER, changed, record, vault

RULE = "prod-vaults-protected"


def _prod_vault(protected: bool | None = True) -> ResourceRecord:
    return replace(changed(vault(), "tags.environment", "prod"), protected=protected)


def _lock(level: str = "CanNotDelete") -> ResourceRecord:
    return record(t.RESOURCE_GROUP_LOCK, "eastus2-main-lock",
                  {"lockName": "maas-fleet-do-not-delete", "level": level,
                   "resourceGroupName": NAMER.workspace_names("eastus2", "main").resource_group})


def test_protected_and_locked_prod_vault_is_clean() -> None:
    assert_no_violation(RULE, _prod_vault(), _lock())
    assert_no_violation(RULE, _prod_vault(), _lock("ReadOnly"))


def test_unprotected_prod_vault_is_advisory() -> None:
    hit = assert_violation(RULE, _prod_vault(False), _lock(), says="not protected")
    assert hit.severity is Severity.ADVISORY
    assert_violation(RULE, _prod_vault(), says="no delete lock")
    assert_violation(RULE, _prod_vault(), _lock("NotSpecified"), says="no delete lock")


def test_unknown_protect_and_other_environments_stay_silent() -> None:
    assert_no_violation(RULE, _prod_vault(None), _lock())  # the producer does not say: no guess
    assert_no_violation(RULE, replace(vault(), protected=False))  # dev

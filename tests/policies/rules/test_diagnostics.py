"""Diagnostics rule (policies/rules/diagnostics.py) both ways."""

from __future__ import annotations

from dataclasses import replace

from policies.records import Severity
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import changed, unit_diagnostics, vault, workspace

RULE = "diagnostics-to-log-analytics"


def _unit() -> list:
    return [workspace(), vault("eastus2-main-kv"), vault("eastus2-main-kvk", keys=True)]


def test_workspace_and_both_vaults_with_settings_are_clean() -> None:
    assert_no_violation(RULE, *_unit(), *unit_diagnostics())


def test_a_vault_without_a_setting_is_advisory() -> None:
    settings = [s for s in unit_diagnostics() if s.name != "eastus2-main-kvk-diag"]
    hit = assert_violation(RULE, *_unit(), *settings, resource="eastus2-main-kvk", says="no diagnostic setting")
    assert hit.severity is Severity.ADVISORY
    assert_violation(RULE, *_unit(), resource="eastus2-main-ws")  # diagnostics off: every resource


def test_a_vault_setting_without_audit_events() -> None:
    settings = [changed(s, "logs", [{"category": "AzurePolicyEvaluationDetails", "enabled": True}])
                if s.name == "eastus2-main-kv-diag" else s for s in unit_diagnostics()]
    assert_violation(RULE, *_unit(), *settings, resource="eastus2-main-kv", says="AuditEvent")
    disabled = [changed(s, "logs", [{"category": "AuditEvent", "enabled": False}])
                if s.name == "eastus2-main-kv-diag" else s for s in unit_diagnostics()]
    assert_violation(RULE, *_unit(), *disabled, resource="eastus2-main-kv")
    group = [changed(s, "logs", [{"categoryGroup": "audit", "enabled": True}])
             if s.name == "eastus2-main-kv-diag" else s for s in unit_diagnostics()]
    assert_no_violation(RULE, *_unit(), *group)


def test_a_setting_for_another_vault_does_not_count() -> None:
    other = [changed(s, "resourceUri", s.properties["resourceUri"].replace("/vaults/", "/vaults/x"))
             if s.name == "eastus2-main-kv-diag" else s for s in unit_diagnostics()]
    assert_violation(RULE, *_unit(), *other, resource="eastus2-main-kv")


def test_unknown_target_at_preview_matches_by_dependency() -> None:
    settings = []
    for s in unit_diagnostics():
        target = {"eastus2-main-mlw-diag": "eastus2-main-ws", "eastus2-main-kv-diag": "eastus2-main-kv",
                  "eastus2-main-kvk-diag": "eastus2-main-kvk"}[s.name]
        settings.append(replace(changed(s, "resourceUri", s.properties["resourceUri"]),
                                properties={k: v for k, v in s.properties.items() if k != "resourceUri"},
                                unknown_paths=("resourceUri",), dependencies=(target,)))
    assert_no_violation(RULE, *_unit(), *settings)
    assert_violation(RULE, *_unit(), *settings[:2], resource="eastus2-main-kvk")

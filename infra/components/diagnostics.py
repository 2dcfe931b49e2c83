"""Diagnostic settings: the ML workspace's logs and every Key Vault's audit events go to the unit's
Log Analytics workspace.

Why: a consumer reads an endpoint key from the keys vault; without the vault's AuditEvent log nobody can
say afterwards who read which key, when, from where. The workspace's own logs record deployments and
model operations. Both go to the Log Analytics workspace the unit already has (Application Insights
writes there too), so one query covers a unit.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import monitor

from infra import catalog
from infra.catalog import DiagnosticTarget


def _logs(target: DiagnosticTarget) -> list[dict[str, object]]:
    return [
        *({"category": c, "enabled": True} for c in target.categories),
        *({"category_group": g, "enabled": True} for g in target.category_groups),
    ]


def diagnostic_setting(
    name: str, resource_id: pulumi.Input[str], target: DiagnosticTarget, log_analytics_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> monitor.DiagnosticSetting:
    return monitor.DiagnosticSetting(
        name,
        name=catalog.DIAGNOSTIC_SETTING_NAME,
        resource_uri=resource_id,
        workspace_id=log_analytics_id,
        log_analytics_destination_type=catalog.DIAGNOSTIC_DESTINATION_TYPE,
        logs=_logs(target),
        metrics=[{"category": catalog.DIAGNOSTIC_METRICS_CATEGORY, "enabled": True}],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def unit_diagnostics(
    name: str,
    *,
    workspace_id: pulumi.Input[str],
    vault_ids: Mapping[str, pulumi.Input[str]],
    log_analytics_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> list[monitor.DiagnosticSetting]:
    """One setting for the ML workspace and one per vault (`vault_ids`: logical suffix -> vault id)."""
    settings = [diagnostic_setting(f"{name}-mlw-diag", workspace_id, catalog.DIAGNOSTICS_ML_WORKSPACE,
                                   log_analytics_id, parent)]
    settings.extend(
        diagnostic_setting(f"{name}-{suffix}-diag", vault_id, catalog.DIAGNOSTICS_KEY_VAULT, log_analytics_id, parent)
        for suffix, vault_id in vault_ids.items()
    )
    return settings

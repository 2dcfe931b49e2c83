"""The enterprise options a stack turns on for each unit (region x project): diagnostic settings,
the delete lock, the budget, and whatever else is declared next to a unit rather than inside it.

Why a module apart from the unit: the unit's own resources stay in one place that reads the same with
every option off, and each option is a resource module of its own (diagnostics, protection, ...)."""

from __future__ import annotations

from infra.components.budget import unit_budget
from infra.components.diagnostics import unit_diagnostics
from infra.components.networking import private_endpoint
from infra.components.protection import resource_group_lock
from infra.components.regional_workspace import RegionalWorkspace
from infra.config import FleetConfig


def apply_unit_options(config: FleetConfig, name: str, unit: RegionalWorkspace, region: str, project: str) -> None:
    if config.diagnostics:
        unit_diagnostics(
            name,
            workspace_id=unit.workspace.id,
            vault_ids={"kv": unit.key_vault.id, "kvk": unit.keys_vault.id},
            log_analytics_id=unit.log_analytics.id,
            parent=unit,
        )
    if config.protected:
        resource_group_lock(f"{name}-lock", unit.resource_group.name, parent=unit)
    if config.budget is not None:
        unit_budget(f"{name}-budget", unit.resource_group.id, config.budget, parent=unit)
    if config.network is not None and config.network.private:
        targets = (
            ("mlw", unit.workspace.id, unit.workspace.name, "amlworkspace"),
            ("kv", unit.key_vault.id, unit.key_vault.name, "vault"),
            ("kvk", unit.keys_vault.id, unit.keys_vault.name, "vault"),
            ("st-blob", unit.storage_account.id, unit.storage_account.name, "blob"),
            ("st-file", unit.storage_account.id, unit.storage_account.name, "file"),
        )
        for suffix, target_id, target_name, group in targets:
            private_endpoint(
                f"{name}-{suffix}-pe",
                target_id=target_id,
                target_name=target_name,
                group=group,
                subnet_id=config.network.subnet_for(region),
                region=region,
                resource_group_name=unit.resource_group.name,
                dns_zone_resource_group=config.network.private_dns_zone_resource_group,
                tags=config.tags_for(project),
                parent=unit,
            )

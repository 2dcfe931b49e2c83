"""Rules about diagnostic settings: every ML workspace and every Key Vault sends its logs to Log
Analytics, and a vault's setting carries the AuditEvent category (who read a secret, i.e. an endpoint
key). Advisory: a stack may ship logs another way (a policy-driven setting, an Event Hub), which this
rule cannot see.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from infra.catalog import DIAGNOSTICS_KEY_VAULT, DiagnosticTarget
from infra.resource_types import DIAGNOSTIC_SETTING, KEY_VAULT, ML_WORKSPACE
from policies.engine import Finding, stack_rule
from policies.props import dig, is_type, is_unknown, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

_A = Severity.ADVISORY
_NAME_KEYS: Final = {KEY_VAULT: ("vaultName", "/providers/microsoft.keyvault/vaults/"),
                     ML_WORKSPACE: ("workspaceName", "/providers/microsoft.machinelearningservices/workspaces/")}
# Category groups that include a vault's AuditEvent category (Azure Monitor: category groups).
_AUDIT_GROUPS: Final = frozenset({"audit", "alllogs"})


def _target_of(setting: ResourceRecord, resource: ResourceRecord) -> bool:
    """The setting is attached to `resource`: by ARM id (resource group + name), or, where the id is
    not known yet (a preview), by a dependency on it."""
    uri = (text(setting.properties, "resourceUri") or "").rstrip("/").lower()
    name_key, collection = next(v for k, v in _NAME_KEYS.items() if is_type(resource, k))
    name = (text(resource.properties, name_key) or "").lower()
    rg = (text(resource.properties, "resourceGroupName") or "").lower()
    if uri and name:
        return uri.endswith(f"{collection}{name}") and (not rg or f"/resourcegroups/{rg}/" in uri)
    return resource.name in setting.dependencies


def _sends_audit(setting: ResourceRecord, target: DiagnosticTarget) -> bool:
    logs: Any = dig(setting.properties, "logs")
    if not isinstance(logs, list):
        return False
    for entry in logs:
        if not isinstance(entry, dict) or entry.get("enabled") is False:
            continue
        if entry.get("category") in target.categories or str(entry.get("categoryGroup", "")).lower() in _AUDIT_GROUPS:
            return True
    return False


@stack_rule(
    "diagnostics-to-log-analytics", _A, (ML_WORKSPACE, KEY_VAULT, DIAGNOSTIC_SETTING),
    "Every ML workspace and Key Vault sends its logs to Log Analytics; vaults include AuditEvent (who read "
    "an endpoint key).",
    fix="keep maas-fleet:diagnostics on (the default)",
)
def diagnostics_to_log_analytics(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    settings = [r for r in records if is_type(r, DIAGNOSTIC_SETTING)]
    if any(is_unknown(s, "resourceUri") and not s.dependencies for s in settings):
        return  # a setting whose target cannot be told: do not guess which resource lacks one
    # Candidates by the last segment of their resourceUri and by what they depend on, so each resource
    # looks at its few candidates, not at every setting (a large stack has thousands of both).
    by_name: dict[str, list[ResourceRecord]] = {}
    for s in settings:
        uri = (text(s.properties, "resourceUri") or "").rstrip("/").lower()
        keys = {uri.rsplit("/", 1)[-1]} if uri else set()
        for key in keys | {f"dep:{d}" for d in s.dependencies}:
            by_name.setdefault(key, []).append(s)
    for resource in records:
        if not is_type(resource, KEY_VAULT, ML_WORKSPACE):
            continue
        name_key = next(v[0] for k, v in _NAME_KEYS.items() if is_type(resource, k))
        name = (text(resource.properties, name_key) or "").lower()
        candidates = {id(s): s for s in by_name.get(name, []) + by_name.get(f"dep:{resource.name}", [])}
        mine = [s for s in candidates.values() if _target_of(s, resource)]
        to_logs = [s for s in mine if text(s.properties, "workspaceId") or is_unknown(s, "workspaceId")]
        if not to_logs:
            yield Finding(
                resource.name,
                f"{label(resource)} has no diagnostic setting sending its logs to a Log Analytics workspace; "
                "nobody can tell afterwards who used it",
                "set maas-fleet:diagnostics true (the default), or attach a diagnostic setting with workspaceId",
            )
        elif is_type(resource, KEY_VAULT) and not any(
            _sends_audit(s, DIAGNOSTICS_KEY_VAULT) or is_unknown(s, "logs") for s in to_logs
        ):
            yield Finding(
                resource.name,
                f"{label(resource)} sends diagnostics without the AuditEvent category; reads of endpoint keys "
                "are not recorded",
                "enable logs category AuditEvent (or category group audit/allLogs) in the vault's diagnostic setting",
            )

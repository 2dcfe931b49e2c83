"""Rules about Key Vaults: RBAC authorization (access only through audited role assignments) and purge
protection, for both vaults of a unit (the workspace's own and the keys vault); endpoint keys and the
consumers' read grants belong to the keys vault, never to the workspace's own vault, which holds the
workspace's other secrets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from infra.catalog import KEY_VAULT_SECRETS_USER
from infra.resource_types import KEY_VAULT, KEY_VAULT_SECRET, ML_WORKSPACE, ROLE_ASSIGNMENT
from policies.engine import Finding, Rule, resource_rule, stack_rule
from policies.props import dig, is_type, is_unknown, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label, shown

_M = Severity.MANDATORY
_A = Severity.ADVISORY


def _vault_switch_rule(
    rule_id: str, severity: Severity, description: str, path: str, problem: str, caveat: str = "",
) -> Rule:
    """A rule that a vault switch is explicitly on (`problem` names its value as {value}); unknown values
    and unseen properties are not judged. Both switches are judged the same way, so one check serves."""
    fix = f"set {path} = True"

    @resource_rule(rule_id, severity, (KEY_VAULT,), description, fix=fix)
    def check(record: ResourceRecord) -> Iterator[Finding]:
        if "properties" not in record.properties or is_unknown(record, path):
            return
        if dig(record.properties, path) is not True:
            value = f"{path} is {shown(record, path)}"
            yield Finding(record.name, f"{label(record)} {problem.format(value=value)}", fix + caveat)

    return check


rbac_authorization = _vault_switch_rule(
    "key-vault-rbac-authorization", _M,
    "Key Vaults use RBAC authorization, so access is granted only by audited role assignments.",
    "properties.enableRbacAuthorization",
    "does not use RBAC authorization ({value}); access policies bypass the audited role assignments, "
    "and the consumer persona's Key Vault Secrets User role has no effect",
)

purge_protection = _vault_switch_rule(
    "key-vault-purge-protection", _A,
    "Key Vaults holding endpoint keys have purge protection (advisory: it is irreversible and keeps the "
    "name reserved after a destroy, which a throwaway dev stack may not want).",
    "properties.enablePurgeProtection",
    "has no purge protection ({value}); a deleted vault holding endpoint keys could be purged before anyone "
    "notices",
    " (irreversible; the vault name stays reserved for the soft-delete retention)",
)


def _workspace_vaults(records: Sequence[ResourceRecord]) -> dict[str, str]:
    """Vault name (lower) -> ARM id (lower) of every vault an ML workspace names as its own."""
    vaults = {}
    for r in records:
        vault = text(r.properties, "keyVault") if is_type(r, ML_WORKSPACE) else None
        if vault:
            vaults[vault.rstrip("/").rsplit("/", 1)[-1].lower()] = vault.rstrip("/").lower()
    return vaults


@stack_rule(
    "endpoint-keys-in-keys-vault", _M, (KEY_VAULT_SECRET, ROLE_ASSIGNMENT, ML_WORKSPACE),
    "Endpoint keys, and consumers' Key Vault Secrets User grants, live in each unit's keys vault, never in "
    "the workspace's own vault.",
    fix="store keys and grant reads on the keys vault",
)
def endpoint_keys_in_keys_vault(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
    own = _workspace_vaults(records)
    if not own:
        return
    for record in records:
        if is_type(record, KEY_VAULT_SECRET):
            vault = (text(record.properties, "vaultName") or "").lower()
            if vault in own:
                yield Finding(
                    record.name,
                    f"{label(record)} is stored in {vault}, a workspace's own vault; whoever may read endpoint keys "
                    "there also reads the workspace's other secrets",
                    "store endpoint keys in the unit's keys vault (naming: WorkspaceNames.keys_vault)",
                )
        elif is_type(record, ROLE_ASSIGNMENT):
            role = (text(record.properties, "roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1].lower()
            scope = (text(record.properties, "scope") or "").rstrip("/").lower()
            if role == KEY_VAULT_SECRETS_USER.id and scope in own.values():
                yield Finding(
                    record.name,
                    f"{label(record)} gives {KEY_VAULT_SECRETS_USER.name} on a workspace's own vault ({scope}); "
                    "consumers must read endpoint keys only",
                    "grant Key Vault Secrets User on the unit's keys vault instead",
                )

"""Rules about Key Vaults: RBAC authorization (access only through audited role assignments) and purge
protection, for both vaults of a unit (the workspace's own and the keys vault); endpoint keys and the
consumers' read grants belong to the keys vault, never to the workspace's own vault, which holds the
workspace's other secrets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Final

from infra.catalog import KEY_VAULT_SECRETS_USER
from infra.resource_types import KEY_VAULT, KEY_VAULT_SECRET, ML_WORKSPACE, ROLE_ASSIGNMENT
from policies.engine import Finding, Rule
from policies.props import dig, is_type, is_unknown, text
from policies.records import ResourceRecord, Severity
from policies.rules.common import label, shown

_M = Severity.MANDATORY
_A = Severity.ADVISORY

def _must_be_true(path: str, problem: str, fix: str) -> Callable[[ResourceRecord], Iterator[Finding]]:
    """A check of a vault switch that must be explicitly on (`problem` names its value as {value});
    unknown values and unseen properties are not judged."""

    def check(record: ResourceRecord) -> Iterator[Finding]:
        if "properties" not in record.properties or is_unknown(record, path):
            return
        if dig(record.properties, path) is not True:
            value = f"{path} is {shown(record, path)}"
            yield Finding(record.name, f"{label(record)} {problem.format(value=value)}", fix)

    return check


_vault_rbac = _must_be_true(
    "properties.enableRbacAuthorization",
    "does not use RBAC authorization ({value}); access policies bypass the audited role assignments, "
    "and the consumer persona's Key Vault Secrets User role has no effect",
    "set properties.enableRbacAuthorization = True",
)
_vault_purge_protection = _must_be_true(
    "properties.enablePurgeProtection",
    "has no purge protection ({value}); a deleted vault holding endpoint keys could be purged before anyone "
    "notices",
    "set properties.enablePurgeProtection = True (irreversible; the vault name stays reserved for the soft-delete "
    "retention)",
)


def _workspace_vaults(records: Sequence[ResourceRecord]) -> dict[str, str]:
    """Vault name (lower) -> ARM id (lower) of every vault an ML workspace names as its own."""
    vaults = {}
    for r in records:
        vault = text(r.properties, "keyVault") if is_type(r, ML_WORKSPACE) else None
        if vault:
            vaults[vault.rstrip("/").rsplit("/", 1)[-1].lower()] = vault.rstrip("/").lower()
    return vaults


def _keys_in_keys_vault(records: Sequence[ResourceRecord]) -> Iterator[Finding]:
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


RBAC_AUTHORIZATION: Final = Rule(
    "key-vault-rbac-authorization", _M,
    "Key Vaults use RBAC authorization, so access is granted only by audited role assignments.",
    "set properties.enableRbacAuthorization = True", (KEY_VAULT,), resource_check=_vault_rbac,
)

PURGE_PROTECTION: Final = Rule(
    "key-vault-purge-protection", _A,
    "Key Vaults holding endpoint keys have purge protection (advisory: it is irreversible and keeps the "
    "name reserved after a destroy, which a throwaway dev stack may not want).",
    "set properties.enablePurgeProtection = True", (KEY_VAULT,), resource_check=_vault_purge_protection,
)

ENDPOINT_KEYS_IN_KEYS_VAULT: Final = Rule(
    "endpoint-keys-in-keys-vault", _M,
    "Endpoint keys, and consumers' Key Vault Secrets User grants, live in each unit's keys vault, never in the "
    "workspace's own vault.",
    "store keys and grant reads on the keys vault", (KEY_VAULT_SECRET, ROLE_ASSIGNMENT, ML_WORKSPACE),
    stack_check=_keys_in_keys_vault,
)

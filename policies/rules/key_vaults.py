"""Rules about Key Vaults: RBAC authorization (access only through audited role assignments) and purge
protection for vaults holding endpoint keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from infra.resource_types import KEY_VAULT
from policies.engine import Finding, Rule
from policies.props import dig, is_unknown
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

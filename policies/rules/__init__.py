"""The policy rules of maas-fleet: pure functions over ResourceRecords, split by subject.

Why pure functions: the same rules must hold for `maas plan` (records from Pulumi mocks), the
CrossGuard pack (`pulumi preview --policy-pack policies`) and `maas policy check` (a stack export or a
preview document), so none of them may know where its records came from. Every threshold and list
is read from infra/catalog.py and infra/naming.py.

Two ground rules every check follows:
- A value a rule cannot see (absent because unknown at preview, or listed in `unknown_paths`) is
  not a violation. The exceptions are settings the fleet must state explicitly because Azure's
  default is not guaranteed (content safety, auth mode, Key Vault RBAC mode): there "not set" is a
  violation, "unknown" is not.
- Messages name the resource and the offending value, never a secret.

A new rule: a check function and a `Rule` in the module of its subject, then its place in `RULES`
below (the order is the order violations are reported in). See docs/architecture.md.

Public API (used by `maas plan`, the CrossGuard adapter and `maas policy check`):
    from policies.rules import RULES, evaluate
    violations = evaluate(records)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from policies.engine import Rule, run_rules
from policies.records import ResourceRecord, Violation
from policies.rules import access, endpoints, key_vaults, secrets, tags, workspaces

RULES: Final[tuple[Rule, ...]] = (
    endpoints.REGION_ALLOWED,
    workspaces.REGION_ALLOWED,
    endpoints.CONTENT_SAFETY,
    endpoints.AUTH_KEY,
    endpoints.SKU_CONSUMPTION,
    endpoints.NAME_VALID,
    endpoints.NAME_UNIQUE_PER_REGION,
    endpoints.ONE_PER_MODEL_PER_WORKSPACE,
    endpoints.DEPENDS_ON_SUBSCRIPTION,
    secrets.KEYS_ONLY_AS_SECRETS,
    access.NO_PRIVILEGED_ASSIGNMENT,
    access.CUSTOM_ROLE_LEAST_PRIVILEGE,
    tags.REQUIRED_TAGS_PRESENT,
    key_vaults.RBAC_AUTHORIZATION,
    key_vaults.PURGE_PROTECTION,
    endpoints.IN_WORKSPACE_REGION,
    endpoints.MODEL_IN_CATALOG,
)

RULES_BY_ID: Final = {rule.id: rule for rule in RULES}


def evaluate(records: Sequence[ResourceRecord], rules: Sequence[Rule] = RULES) -> list[Violation]:
    """Every rule over the records (see policies.engine.run_rules for the order)."""
    return run_rules(records, rules)

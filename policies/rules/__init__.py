"""The policy rules of maas-fleet: pure functions over ResourceRecords, split by subject.

Why pure functions: the same rules must hold for `maas plan` (records from Pulumi mocks), the
CrossGuard pack (`pulumi preview --policy-pack policies`) and `maas policy check` (a stack export or a
preview document), so none of them may know where its records came from. Every threshold and list
is read from infra/catalog and infra/naming.py.

Two ground rules every check follows:
- A value a rule cannot see (absent because unknown at preview, or listed in `unknown_paths`) is
  not a violation. The exceptions are settings the fleet must state explicitly because Azure's
  default is not guaranteed (content safety, auth mode, Key Vault RBAC mode): there "not set" is a
  violation, "unknown" is not.
- Messages name the resource and the offending value, never a secret.

A new rule: a check function in the module of its subject, made a Rule by `@resource_rule(...)` or
`@stack_rule(...)` (id, severity, types, description, fix), then its place in `RULES`
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
from policies.rules import (
    access,
    budgets,
    diagnostics,
    endpoints,
    key_vaults,
    networking,
    protection,
    secrets,
    tags,
    workspaces,
)

RULES: Final[tuple[Rule, ...]] = (
    endpoints.region_allowed,
    workspaces.region_allowed,
    endpoints.content_safety,
    endpoints.auth_key,
    endpoints.sku_consumption,
    endpoints.name_valid,
    endpoints.name_unique_per_region,
    endpoints.one_per_model_per_workspace,
    endpoints.depends_on_subscription,
    secrets.keys_only_as_secrets,
    secrets.key_shaped_outputs,
    access.no_privileged_assignment,
    access.custom_role_least_privilege,
    access.workspace_identity_on_own_vault,
    tags.required_tags_present,
    key_vaults.rbac_authorization,
    key_vaults.purge_protection,
    key_vaults.endpoint_keys_in_keys_vault,
    endpoints.in_workspace_region,
    endpoints.model_in_catalog,
    diagnostics.diagnostics_to_log_analytics,
    protection.prod_vaults_protected,
    budgets.budget_has_contacts,
    networking.prod_private_networking,
)

RULES_BY_ID: Final = {rule.id: rule for rule in RULES}


def evaluate(records: Sequence[ResourceRecord], rules: Sequence[Rule] = RULES) -> list[Violation]:
    """Every rule over the records (see policies.engine.run_rules for the order)."""
    return run_rules(records, rules)

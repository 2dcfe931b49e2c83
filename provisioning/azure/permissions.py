"""Azure RBAC action matching, as Azure evaluates it, and which persona grants what.

Why our own matcher: the permissions API returns, per role assignment in effect at a scope, the
role's `actions` and `notActions` (wildcards allowed anywhere, case-insensitive). An action is
granted when one entry allows it and that same entry does not subtract it; another role may still
grant what one role's notActions removed. The catalog's required actions contain wildcards
themselves (`.../serverlessEndpoints/*`); such a wildcard is held when every concrete operation the
tools perform under it (catalog WILDCARD_OPERATIONS) is granted, by whichever mix of roles — the way
built-in AzureML Data Scientist grants them through `workspaces/*/read`, `*/write`, `*/delete` and
`*/action`. A wildcard the catalog does not spell out must be covered by one pattern as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from infra.catalog import (
    AZUREML_DATA_SCIENTIST,
    KEY_VAULT_SECRET_WRITE,
    PERMISSIONS,
    READER,
    WILDCARD_OPERATIONS,
    Persona,
    Scope,
)

SCOPE_LABEL = {Scope.SUBSCRIPTION: "subscription", Scope.RESOURCE_GROUP: "resource-group",
               Scope.WORKSPACE: "workspace"}


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if ch == "*" else re.escape(ch) for ch in pattern.lower()) + r"\Z", re.S)


def matches(pattern: str, action: str) -> bool:
    """Does the (possibly wildcard) `pattern` match the concrete `action`? Case-insensitive."""
    return bool(_regex(pattern).match(action.lower()))


def contains(pattern: str, required: str) -> bool:
    """Does `pattern` match every action `required` can stand for?

    `required` has at most a trailing `*` in practice (`Microsoft.X/things/*`). Matching the
    required string literally (its `*` as a character) against a pattern that ends in `*` proves
    containment: the pattern's final `*` absorbs the literal one and anything it could stand for.
    """
    if "*" not in required:
        return matches(pattern, required)
    return pattern.endswith("*") and matches(pattern, required)


def overlaps(pattern: str, required: str) -> bool:
    """Can `pattern` match at least one action that `required` stands for? (for notActions)"""
    if "*" not in required:
        return matches(pattern, required)
    prefix = required[: required.index("*")]
    # Some prefix of the pattern must match `prefix` exactly; the rest of the pattern can always
    # be satisfied by what the requirement's wildcard stands for.
    return any(_regex(pattern[:i]).match(prefix.lower()) for i in range(len(pattern) + 1))


@dataclass(frozen=True)
class PermissionEntry:
    """One element of the permissions API answer (one role in effect at the scope)."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()

    @classmethod
    def from_arm(cls, body: dict[str, Any]) -> PermissionEntry:
        return cls(tuple(body.get("actions") or ()), tuple(body.get("notActions") or ()))

    def allows(self, action: str) -> bool:
        """Does this role allow the concrete `action` (after its own notActions)?"""
        return any(matches(a, action) for a in self.actions) and not any(matches(n, action) for n in self.not_actions)

    def grants(self, required: str) -> bool:
        """Does this role alone cover all of `required` (a concrete action or a wildcard)?"""
        return any(contains(a, required) for a in self.actions) and not any(
            overlaps(n, required) for n in self.not_actions
        )


_OPERATIONS = {wildcard.lower(): operations for wildcard, operations in WILDCARD_OPERATIONS.items()}


def ungranted(entries: Iterable[PermissionEntry], required: str) -> tuple[str, ...]:
    """What of `required` the roles in effect do not grant: () when it is held.

    For a wildcard the catalog spells out, the concrete operations no role allows; otherwise
    `(required,)` when no single role covers it.
    """
    entries = list(entries)
    operations = _OPERATIONS.get(required.lower())
    if operations is None:
        return () if any(e.grants(required) for e in entries) else (required,)
    return tuple(op for op in operations if not any(e.allows(op) for e in entries))


def missing(entries: Iterable[PermissionEntry], required: Sequence[str]) -> list[str]:
    """The required actions (or wildcards) not fully granted, in the order given."""
    entries = list(entries)
    return [r for r in required if ungranted(entries, r)]


def describe_missing(entries: Iterable[PermissionEntry], required: Sequence[str]) -> list[str]:
    """`missing`, with the operations a partly granted wildcard still lacks:
    `.../serverlessEndpoints/* (not granted: delete, listKeys/action)`."""
    entries = list(entries)
    described = []
    for r in required:
        lacking = ungranted(entries, r)
        if not lacking:
            continue
        operations = _OPERATIONS.get(r.lower())
        if operations is None or len(lacking) == len(operations):
            described.append(r)
        else:
            stem = r[:-1]
            described.append(f"{r} (not granted: {', '.join(op.removeprefix(stem) for op in lacking)})")
    return described


@dataclass(frozen=True)
class Grant:
    """Who can give an identity an action: a persona of the stack, or a built-in role."""

    persona: Persona | None
    scope: Scope | None
    builtin: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        parts = []
        if self.persona is not None and self.scope is not None:
            parts.append(f"the {self.persona} persona (its {SCOPE_LABEL[self.scope]}-scope custom role)")
        elif self.persona is not None:
            parts.append(f"the {self.persona} persona")
        parts.extend(self.builtin)
        return " or ".join(parts) if parts else "a role holding it (ask an administrator)"


def who_grants(action: str) -> Grant:
    """Which persona/role hands out `action`, for 'what to do' lines."""
    for scope, required in PERMISSIONS.items():
        if any(contains(r, action) or matches(r, action) for r in required):
            builtin = (f"built-in {AZUREML_DATA_SCIENTIST.name} on the workspace",) if scope is Scope.WORKSPACE else ()
            return Grant(Persona.DEPLOYER, scope, builtin)
    if matches(KEY_VAULT_SECRET_WRITE, action):
        return Grant(None, None, ("Key Vault Contributor (or a custom role with "
                                  f"{KEY_VAULT_SECRET_WRITE}) on the vault",))
    if action.lower().endswith("/read"):
        return Grant(Persona.AUDITOR, None, (f"built-in {READER.name}",))
    return Grant(None, None)


def how_to_grant(actions: Sequence[str]) -> str:
    """One 'fix' phrase for a list of missing actions (grouped by who grants them)."""
    groups: dict[str, list[str]] = {}
    for action in actions:
        groups.setdefault(who_grants(action).describe(), []).append(action)
    return "; ".join(f"grant {who} ({', '.join(acts)})" for who, acts in groups.items())

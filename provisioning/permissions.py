"""Azure RBAC action matching, as Azure evaluates it, and which persona grants what.

Why our own matcher: the permissions API returns, per role assignment in effect at a scope, the
role's `actions` and `notActions` (wildcards allowed anywhere, case-insensitive). An action is
granted when one entry allows it and that same entry does not subtract it; another role may still
grant what one role's notActions removed. The catalog's required actions contain wildcards
themselves (`.../serverlessEndpoints/*`), so "covered" means every action the requirement could
name is granted, not just one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from infra.catalog import AZUREML_DATA_SCIENTIST, KEY_VAULT_SECRET_WRITE, PERMISSIONS, READER, Persona, Scope

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

    def grants(self, required: str) -> bool:
        return any(contains(a, required) for a in self.actions) and not any(
            overlaps(n, required) for n in self.not_actions
        )


def missing(entries: Iterable[PermissionEntry], required: Sequence[str]) -> list[str]:
    """The required actions no single entry grants, in the order given."""
    entries = list(entries)
    return [r for r in required if not any(e.grants(r) for e in entries)]


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

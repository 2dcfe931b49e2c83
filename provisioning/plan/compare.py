"""`maas plan --compare PREVIOUS.json`: what a config change does to the fleet, resource by resource.

Why: new totals do not say that two existing custom roles change in place when a region is added
(their assignableScopes grow); a pull request should show creates, in-place updates (with the input
paths that change) and deletes, the way `pulumi preview` would, but offline and from two plan
documents (the previous one saved from the base branch, e.g. in CI).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from provisioning.errors import BadInput

Op = Literal["create", "update", "delete"]
_OP_ORDER: dict[str, int] = {"create": 0, "update": 1, "delete": 2}


@dataclass(frozen=True)
class Change:
    op: Op
    type: str
    name: str
    fields: tuple[str, ...] = ()

    def document(self) -> dict[str, Any]:
        return {"op": self.op, "type": self.type, "name": self.name, "fields": list(self.fields)}


def load_previous(path: Path) -> list[Mapping[str, Any]]:
    """The `resources` of a saved `maas plan --format json` document; one line per problem (exit 2)."""
    where = f"--compare {path}"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{where}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{where}: is a directory; name a file saved from `maas plan --format json`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{where}: cannot be read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}); save it with "
                       "`maas plan --format json > FILE`") from None
    resources = document.get("resources") if isinstance(document, Mapping) else None
    if not isinstance(resources, list) or not all(
            isinstance(r, Mapping) and isinstance(r.get("type"), str) and isinstance(r.get("name"), str)
            for r in resources):
        raise BadInput(f"{where}: not a `maas plan --format json` document (a 'resources' list of objects "
                       "with 'type' and 'name' expected)")
    return resources


def changed_paths(before: Any, after: Any, path: str = "") -> list[str]:
    """Dotted input paths whose values differ. Lists are compared whole: for a list such as
    assignableScopes the change is the list, not its third element."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        paths: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in before or key not in after:
                paths.append(sub)
            else:
                paths.extend(changed_paths(before[key], after[key], sub))
        return paths
    return [] if before == after else [path or "(value)"]


def compare(previous: list[Mapping[str, Any]], current: list[Mapping[str, Any]]) -> list[Change]:
    """Creates, in-place updates (inputs or parent changed) and deletes, keyed by (type, name)."""
    def keyed(resources: list[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
        return {(str(r["type"]), str(r["name"])): r for r in resources}

    old, new = keyed(previous), keyed(current)
    changes: list[Change] = []
    for key in new.keys() - old.keys():
        changes.append(Change("create", *key))
    for key in old.keys() - new.keys():
        changes.append(Change("delete", *key))
    for key in old.keys() & new.keys():
        before, after = old[key], new[key]
        fields = changed_paths(before.get("inputs") or {}, after.get("inputs") or {})
        if before.get("parent") != after.get("parent"):
            fields.append("parent")
        if fields:
            changes.append(Change("update", *key, tuple(fields)))
    return sorted(changes, key=lambda c: (_OP_ORDER[c.op], c.type, c.name))


def counts_line(changes: list[Change]) -> str:
    counts = {op: sum(1 for c in changes if c.op == op) for op in _OP_ORDER}
    if not changes:
        return "no changes against the previous plan"
    return ", ".join(f"{n} to {op}" for op, n in counts.items() if n)


def short_type(resource_type: str) -> str:
    """`azure-native:authorization:RoleDefinition` -> `authorization:RoleDefinition` (the table's width)."""
    return resource_type.removeprefix("azure-native:")

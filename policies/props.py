"""Reading resource properties the way every record producer shapes them.

Why a module: three producers (Pulumi mocks, CrossGuard, stack/preview documents) disagree on small
things — versioned type tokens, `a[0].b` versus `a.0.b` paths, values that are unknown rather than
absent — and each rule must treat them the same way. These helpers are the one place that decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

from policies.records import ResourceRecord

# `azure-native:machinelearningservices/v20240401preview:ServerlessEndpoint` (an explicit API version,
# as azure-native v2 and parameterized packages spell it) is the same resource to a rule.
_VERSIONED_MODULE: Final = re.compile(r"^(?P<pkg>azure-native):(?P<mod>[^:/]+)/v[0-9][^:]*:(?P<res>[^:]+)$")


def canonical_type(type_token: str) -> str:
    match = _VERSIONED_MODULE.match(type_token)
    if match is None:
        return type_token
    return f"{match['pkg']}:{match['mod']}:{match['res']}"


def is_type(record: ResourceRecord, *types: str) -> bool:
    return canonical_type(record.type) in types


# --------------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------------

_INDEX: Final = re.compile(r"\[(\d+|\*)\]")


@lru_cache(maxsize=4096)
def split_path(path: str) -> tuple[str, ...]:
    """`endpoints[0].key`, `endpoints.0.key` -> ('endpoints', '0', 'key')."""
    return tuple(part for part in _INDEX.sub(r".\1", path).split(".") if part)


def format_path(parts: Sequence[str | int]) -> str:
    """('endpoints', 0, 'key') -> `endpoints[0].key`: how users see paths in messages."""
    out = ""
    for part in parts:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _covers(prefix: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    return len(prefix) <= len(parts) and all(p in ("*", q) for p, q in zip(prefix, parts, strict=False))


@lru_cache(maxsize=256)
def _path_index(prefixes: tuple[str, ...]) -> tuple[frozenset[tuple[str, ...]], tuple[tuple[str, ...], ...]]:
    """Exact prefixes as a set (one lookup per ancestor), `[*]` patterns apart (usually none or few):
    a stack exporting hundreds of endpoint keys must not make every lookup scan all of them."""
    split = [split_path(p) for p in prefixes]
    return frozenset(s for s in split if "*" not in s), tuple(s for s in split if "*" in s)


def path_in(path: str | Sequence[str | int], prefixes: Sequence[str]) -> bool:
    """True when `path` or one of its ancestors is listed (a secret object makes its children secret)."""
    if not prefixes:
        return False
    parts = split_path(path) if isinstance(path, str) else tuple(str(p) for p in path)
    exact, patterns = _path_index(tuple(prefixes))
    return any(parts[:k] in exact for k in range(1, len(parts) + 1)) or any(_covers(p, parts) for p in patterns)


def is_secret(record: ResourceRecord, path: str | Sequence[str | int]) -> bool:
    return path_in(path, record.secret_paths)


def is_unknown(record: ResourceRecord, path: str | Sequence[str | int]) -> bool:
    return path_in(path, record.unknown_paths)


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


class _Missing:
    """Absent, as opposed to present-but-None; falsy so `if value:` reads naturally."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def dig(properties: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or MISSING; never raises on odd shapes (a hand-written program
    may put a string where an object belongs, and a rule must still run)."""
    node: Any = properties
    for part in split_path(path):
        if isinstance(node, Mapping):
            if part not in node:
                return MISSING
            node = node[part]
        elif isinstance(node, Sequence) and not isinstance(node, str) and part.isdigit():
            index = int(part)
            if index >= len(node):
                return MISSING
            node = node[index]
        else:
            return MISSING
    return node


def text(properties: Mapping[str, Any], path: str) -> str | None:
    """A string value at `path`, else None (absent, null or not a string)."""
    value = dig(properties, path)
    return value if isinstance(value, str) else None


def walk(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every leaf (and every container) with its path, depth first."""
    yield prefix, value
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from walk(child, (*prefix, str(key)))
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for index, child in enumerate(value):
            yield from walk(child, (*prefix, index))

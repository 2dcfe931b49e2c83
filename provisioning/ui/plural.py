"""Counts in words: "1 region", "2 regions", "after 1 retry" (not "1 regions")."""

from __future__ import annotations

_IRREGULAR = {"retry": "retries", "policy violation": "policy violations", "entry": "entries"}


def count(n: int, singular: str, plural: str | None = None) -> str:
    if n == 1:
        return f"1 {singular}"
    return f"{n} {plural or _IRREGULAR.get(singular) or singular + 's'}"

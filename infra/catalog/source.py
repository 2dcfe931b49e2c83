"""Where a catalog fact comes from: the document, its address, and the version that was read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a fact (a permission string, a log category) comes from: ARM rejects a whole custom role
    when one of its actions matches no operation Azure publishes (`InvalidActionOrNotAction`), so every
    action is traced, and so is every fact a diagnostic setting depends on."""

    title: str
    url: str
    as_of: str  # the date of the page version that was read (its `ms.date`)

"""The `maas adopt` table: one row per endpoint the stack declares, what adopt does with it and why."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from provisioning.operations.adopt import Action, AdoptResult

_STYLE = {Action.IMPORT: "green", Action.CREATE: "dim", Action.SKIP: "red"}


def adopt_table(result: AdoptResult) -> Table:
    table = Table(title=f"maas adopt: stack {result.stack} in subscription {result.subscription} "
                        f"(source {result.source})", title_justify="left")
    for column in ("region", "project", "model", "endpoint", "endpoint action", "marketplace subscription", "detail"):
        table.add_column(column)
    for v in result.verdicts:
        p = v.planned
        action = f"[{_STYLE[v.action]}]{v.action}[/]" + (f" ({v.status})" if v.action is Action.SKIP else "")
        detail = "; ".join(x for x in (v.message if v.action is Action.SKIP else "", v.marketplace_message) if x)
        table.add_row(p.region, p.project, p.model.slug, p.name, action,
                      f"[{_STYLE[v.marketplace_action]}]{v.marketplace_action}[/]", escape(detail))
    return table

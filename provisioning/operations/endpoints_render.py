"""How an endpoint listing reads at a terminal."""

from __future__ import annotations

from rich.table import Table

from provisioning.operations.endpoints import Listing


def endpoints_table(listing: Listing, *, with_subscription: bool) -> Table:
    """One row per endpoint; a subscription column only when more than one subscription was listed."""
    table = Table(title=f"{len(listing.endpoints)} serverless endpoint(s) in {listing.workspaces} workspace(s)")
    columns = ["name", "region", "workspace", "resource group", "model", "state", "content safety", "uri"]
    if with_subscription:
        columns.insert(1, "subscription")
    for column in columns:
        table.add_column(column, overflow="fold")
    for e in listing.endpoints:
        row = [e.name, e.region, e.workspace, e.resource_group, e.model, e.provisioning_state, e.content_safety, e.uri]
        if with_subscription:
            row.insert(1, e.subscription)
        table.add_row(*row)
    return table


def missing_workspaces_line(listing: Listing) -> str | None:
    """The stack's workspaces not created yet, in one line (None when all exist)."""
    if not listing.missing_workspaces:
        return None
    return (f"{len(listing.missing_workspaces)} of the stack's {listing.workspaces} workspace(s) do not exist yet: "
            + ", ".join(ws.name for ws in listing.missing_workspaces))

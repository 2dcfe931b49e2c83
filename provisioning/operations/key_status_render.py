"""The `maas keys status` table: one row per endpoint key, coloured by verdict."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from provisioning.operations.key_status import KeyReport, KeyState

_STYLE = {KeyState.OK: "green", KeyState.EXPIRING: "yellow", KeyState.EXPIRED: "red", KeyState.MISSING: "red"}


def key_status_table(report: KeyReport) -> Table:
    table = Table(title=f"maas keys status: stack {report.stack} in subscription {report.subscription}",
                  title_justify="left")
    for column in ("endpoint", "region", "project", "updated", "expires", "age (days)", "status", "detail"):
        table.add_column(column)
    for key in report.keys:
        doc = key.document()
        table.add_row(escape(doc["endpoint"]), doc["region"], escape(doc["project"]), doc["updated"] or "",
                      doc["expires"] or "", "" if doc["ageDays"] is None else str(doc["ageDays"]),
                      f"[{_STYLE[key.status]}]{key.status}[/]", escape(doc["detail"]))
    return table


def counts_line(report: KeyReport) -> str:
    counts = report.document()["summary"]
    return (f"{counts['keys']} key(s): {counts['ok']} ok, {counts['expiring']} expiring, {counts['expired']} expired, "
            f"{counts['missing']} missing")

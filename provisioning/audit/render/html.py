"""The page a platform lead opens: per subscription, the region x model matrix coloured by status,
and the drift list under it. Self-contained (inline CSS, no scripts, no fonts or images to fetch),
rendered through a Jinja2 template with autoescape: a resource or tag name is attacker-controllable
text as far as this page is concerned, and escaping by default cannot be forgotten in one cell."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.audit.model import AuditReport, Cell, Status
from provisioning.audit.render import common as view
from provisioning.audit.render.common import LOOKS, Matrix, verify_failed, verify_text
from provisioning.ui.html import render

_SEVERITY = [Status.REGION_NOT_ALLOWED, Status.WRONG_MODEL, Status.MISSING, Status.SUBSCRIPTION_MISSING,
             Status.UNHEALTHY, Status.CONTENT_SAFETY_OFF, Status.EXTRA, Status.OK]
_PACKAGE = "provisioning.audit.render"


@dataclass(frozen=True)
class _Subscription:
    id: str
    name: str
    visible: bool
    matrices: list[Matrix]
    drift: list[Cell]


def _worst(cells: list[Cell]) -> Cell:
    return min(cells, key=lambda c: _SEVERITY.index(c.status))


def _title(cells: list[Cell]) -> str:
    return " | ".join(c.message or LOOKS[c.status].meaning for c in cells)


def to_html(report: AuditReport) -> str:
    by_sub: dict[str, list[Matrix]] = {}
    for matrix in view.matrices(report):
        by_sub.setdefault(matrix.subscription, []).append(matrix)
    subscriptions = [
        _Subscription(sub.id, sub.name, sub.visible, by_sub.get(sub.id, []),
                      [c for c in report.drift if c.subscription == sub.id])
        for sub in report.subscriptions
    ]
    return render(
        _PACKAGE,
        "audit.html",
        stacks=", ".join(s.name for s in report.stacks if s.in_scope),
        provenance=view.provenance(report),
        headline=view.headline(report),
        failed=bool(report.exit_code),
        counts=report.counts(),
        looks=LOOKS,
        subscriptions=subscriptions,
        errors=report.errors,
        notes=report.notes,
        schema_version=report.document()["schemaVersion"],
        project_label=view.project_label,
        model_label=view.model_label,
        verify_text=verify_text,
        drift_label=view.drift_label,
        drift_what=view.drift_what,
        worst_of=_worst,
        cell_title=_title,
        any_verify_failed=lambda cells: any(verify_failed(c) for c in cells),
    )

"""How a plan reads to people: a Rich table for terminals, Markdown for pipeline step summaries.

Grouped by region / project / model, because that is how a rollout is reasoned about; the access
table shows who gets what where; violations say what to change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from rich.console import Console, RenderableType
from rich.markup import escape

from infra.catalog import TAG_PROJECT, model_for_asset_id
from provisioning.plan.access import access_rows
from provisioning.plan.compare import Change, counts_line, short_type
from provisioning.plan.notes import PlanNotes, plan_notes
from provisioning.plan.program import PlannedResource, PlanResult
from provisioning.ui.markdown import md, md_table
from provisioning.ui.plural import count
from provisioning.ui.tables import whole_word_table


def _endpoint_rows(plan: PlanResult) -> list[list[str]]:
    resources = {r.name: r for r in plan.resources}
    rows = []
    for ep in plan.of_type(":ServerlessEndpoint"):
        model_id = str(ep.inputs.get("properties", {}).get("modelSettings", {}).get("modelId", ""))
        spec = model_for_asset_id(model_id)
        ws = str(ep.inputs.get("workspaceName"))
        subscribed = any(
            resources[d].type.endswith(":MarketplaceSubscription") for d in ep.depends_on if d in resources
        )
        project = (ep.inputs.get("tags") or {}).get(TAG_PROJECT, "")
        rows.append(
            [
                str(ep.inputs.get("location")),
                str(project),
                spec.slug if spec else model_id,
                str(ep.inputs.get("name")),
                str(ep.inputs.get("resourceGroupName", "")),
                ws,
                "yes" if subscribed else "NO",
            ]
        )
    return sorted(rows)


_ENDPOINT_HEADERS = ["Region", "Project", "Model", "Endpoint", "Resource group", "Workspace", "Offer subscribed"]
_ACCESS_HEADERS = ["Principal", "Type", "Persona", "Role", "Scope"]
_VIOLATION_HEADERS = ["Severity", "Policy", "Resource", "Message", "Fix"]
_COLUMN_NOTES = [
    "Offer subscribed: yes = the endpoint waits for its model's Marketplace subscription in the same workspace "
    "(Azure refuses a serverless endpoint for a model the workspace has not subscribed to); NO is a defect.",
]
def _access(plan: PlanResult) -> list[list[str]]:
    return sorted([r.principal, r.principal_type, r.persona, r.role, r.scope] for r in access_rows(plan))


def _types(resources: Iterable[PlannedResource]) -> list[list[str]]:
    counts = Counter(r.type for r in resources if r.custom)
    return [[t, str(n)] for t, n in sorted(counts.items())]


def _violations(plan: PlanResult) -> list[list[str]]:
    return [[str(v.severity), v.policy, v.resource, v.message, v.fix] for v in plan.violations]


def _headline(plan: PlanResult) -> str:
    s = plan.summary()
    return (f"Plan for stack {plan.stack}: {count(s['resources'], 'resource')}, {count(s['endpoints'], 'endpoint')} "
            f"in {count(s['regions'], 'region')}, {count(s['violations'], 'policy violation')}")


def _marked(rows: list[list[str]], notes: PlanNotes) -> list[list[str]]:
    return [[notes.mark(cell) for cell in row] for row in rows]


def _change_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [[c.op, short_type(c.type), c.name, ", ".join(c.fields)] for c in changes]


_CHANGE_HEADERS = ["Op", "Type", "Name", "Changed inputs"]


def print_table(plan: PlanResult, console: Console, changes: Sequence[Change] | None = None) -> None:
    def table(title: str, headers: Sequence[str], rows: list[list[str]]) -> RenderableType:
        return whole_word_table(title, headers, rows, console)

    notes = plan_notes(plan)
    console.print(f"[bold]{escape(_headline(plan))}[/bold]")
    for line in notes.lines():
        console.print(f"note: {escape(line)}", style="yellow")
    if changes is not None:
        console.print(f"Changes against the previous plan: {counts_line(list(changes))}")
        if changes:
            console.print(table("Changes (create / update in place / delete)", _CHANGE_HEADERS,
                                _change_rows(changes)))
    console.print(table("Endpoints (region / project / model)", _ENDPOINT_HEADERS,
                        _marked(_endpoint_rows(plan), notes)))
    for line in _COLUMN_NOTES:
        console.print(escape(line), style="dim")
    console.print(table("Resources by type", ["Type", "Count"], _types(plan.resources)))
    access = _access(plan)
    if access:
        console.print(table("Access (who gets what where)", _ACCESS_HEADERS, _marked(access, notes)))
    else:
        console.print("Access: no principals configured (maas-fleet:access is empty).")
    if plan.violations:
        console.print(table("Policy violations", _VIOLATION_HEADERS, _violations(plan)))
    else:
        console.print("[green]No policy violations.[/green]")


def to_markdown(plan: PlanResult, changes: Sequence[Change] | None = None) -> str:
    notes = plan_notes(plan)
    parts = [f"## {md(_headline(plan))}", ""]
    parts += [f"> **Note:** {md(line)}" for line in notes.lines()]
    if notes.lines():
        parts.append("")
    if changes is not None:
        parts += ["### Changes", "", f"{counts_line(list(changes))}.", ""]
        if changes:
            parts += [md_table(_CHANGE_HEADERS, _change_rows(changes)), ""]
    parts += ["### Endpoints", "", md_table(_ENDPOINT_HEADERS, _marked(_endpoint_rows(plan), notes)), "",
              *(md(line) for line in _COLUMN_NOTES), "", "### Resources by type", "",
              md_table(["Type", "Count"], _types(plan.resources)), ""]
    access = _access(plan)
    parts += ["### Access", "", md_table(_ACCESS_HEADERS, _marked(access, notes)) if access
              else "_No principals configured._", ""]
    parts += ["### Policy violations", ""]
    parts += [md_table(_VIOLATION_HEADERS, _violations(plan)) if plan.violations else "_None._", ""]
    return "\n".join(parts)

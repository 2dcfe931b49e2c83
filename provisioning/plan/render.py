"""How a plan reads to people: a Rich table for terminals, Markdown for pipeline step summaries.

Grouped by region / project / model, because that is how a rollout is reasoned about; the access
table shows who gets what where; violations say what to change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table

from infra.catalog import TAG_PROJECT, model_for_asset_id
from provisioning.plan.access import access_rows
from provisioning.plan.program import PlannedResource, PlanResult
from provisioning.ui.markdown import md, md_table


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
                ws,
                "yes" if subscribed else "NO",
            ]
        )
    return sorted(rows)


_ENDPOINT_HEADERS = ["Region", "Project", "Model", "Endpoint", "Workspace", "Subscribed first"]
_ACCESS_HEADERS = ["Principal", "Type", "Persona", "Role", "Scope"]
_VIOLATION_HEADERS = ["Severity", "Policy", "Resource", "Message", "Fix"]


def _access(plan: PlanResult) -> list[list[str]]:
    return sorted([r.principal, r.principal_type, r.persona, r.role, r.scope] for r in access_rows(plan))


def _types(resources: Iterable[PlannedResource]) -> list[list[str]]:
    counts = Counter(r.type for r in resources if r.custom)
    return [[t, str(n)] for t, n in sorted(counts.items())]


def _violations(plan: PlanResult) -> list[list[str]]:
    return [[str(v.severity), v.policy, v.resource, v.message, v.fix] for v in plan.violations]


def _headline(plan: PlanResult) -> str:
    s = plan.summary()
    return (f"Plan for stack {plan.stack}: {s['resources']} resources, {s['endpoints']} endpoints in "
            f"{s['regions']} regions, {s['violations']} policy violations")


def print_table(plan: PlanResult, console: Console) -> None:
    def table(title: str, headers: Sequence[str], rows: list[list[str]]) -> Table:
        t = Table(title=title, title_justify="left", show_lines=False)
        for h in headers:
            t.add_column(h, overflow="fold")
        for row in rows:
            t.add_row(*row)
        return t

    console.print(f"[bold]{_headline(plan)}[/bold]")
    console.print(table("Endpoints (region / project / model)", _ENDPOINT_HEADERS, _endpoint_rows(plan)))
    console.print(table("Resources by type", ["Type", "Count"], _types(plan.resources)))
    access = _access(plan)
    if access:
        console.print(table("Access (who gets what where)", _ACCESS_HEADERS, access))
    else:
        console.print("Access: no principals configured (maas-fleet:access is empty).")
    if plan.violations:
        console.print(table("Policy violations", _VIOLATION_HEADERS, _violations(plan)))
    else:
        console.print("[green]No policy violations.[/green]")


def to_markdown(plan: PlanResult) -> str:
    parts = [f"## {md(_headline(plan))}", "", "### Endpoints", "", md_table(_ENDPOINT_HEADERS, _endpoint_rows(plan)),
             "", "### Resources by type", "", md_table(["Type", "Count"], _types(plan.resources)), ""]
    access = _access(plan)
    parts += ["### Access", "", md_table(_ACCESS_HEADERS, access) if access else "_No principals configured._", ""]
    parts += ["### Policy violations", ""]
    parts += [md_table(_VIOLATION_HEADERS, _violations(plan)) if plan.violations else "_None._", ""]
    return "\n".join(parts)

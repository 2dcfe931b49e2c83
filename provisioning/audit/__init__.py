"""`maas audit`: desired state (stack configs) against actual state (Azure) across subscriptions,
as a region x model matrix with a drift list (docs/architecture.md, Contracts).

Public API:
    load_stacks(stacks, configs)               validated stack configs (BadInput lists every problem)
    run_audit(session, stacks, subscriptions=, all_subscriptions=, mode=) -> AuditReport
    AuditReport.document()                     the stable JSON shape; .exit_code (0 match, 1 drift)
    render(report, "table"|"json"|"markdown"|"html"), print_table(report, console)
    query_resources(arm, subscriptions)        the Resource Graph query (one call per page)
    Status, Source, SourceMode, Cell
"""

from provisioning.audit.actual import ActualState, SourceMode, collect
from provisioning.audit.desired import LoadedStack, load_stacks, resolve_scope
from provisioning.audit.drift import compare
from provisioning.audit.graph import GraphUnavailable, build_query, query_resources
from provisioning.audit.model import AuditReport, Cell, Source, Status, VerifyOutcome
from provisioning.audit.render import FORMATS, print_table, render
from provisioning.audit.runner import run_audit

__all__ = [
    "FORMATS",
    "ActualState",
    "AuditReport",
    "Cell",
    "GraphUnavailable",
    "LoadedStack",
    "Source",
    "SourceMode",
    "Status",
    "VerifyOutcome",
    "build_query",
    "collect",
    "compare",
    "load_stacks",
    "print_table",
    "query_resources",
    "render",
    "resolve_scope",
    "run_audit",
]

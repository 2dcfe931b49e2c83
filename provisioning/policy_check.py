"""`maas policy check FILE`: the policy rules over a `pulumi stack export` or `pulumi preview --json` document.

Why: pipelines and audits meet stacks this project did not plan — deployed from another branch, edited
by hand, or owned by another team — and the only portable evidence of such a stack is its exported
state or a preview. Both documents are turned into the same ResourceRecords `maas plan` produces and
checked by the same rules (policies/rules/). The decoding lives in policies/sources/documents.py;
this module runs the rules over it and renders the result for the command line.

Secret values are never kept in a message; plaintext secrets the document shows are registered with the
redactor as they are decoded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table
from rich.text import Text

from infra.resource_types import SERVERLESS_ENDPOINT
from policies.props import is_type, text
from policies.records import ResourceRecord, Severity, Violation
from policies.rules import evaluate
from policies.sources.documents import DocumentError, DocumentKind, load_document
from provisioning.errors import BadInput, ExitCode
from provisioning.redact import REDACTOR
from provisioning.ui.markdown import md, md_table
from provisioning.ui.plural import count


@dataclass
class PolicyReport:
    source: str
    kind: DocumentKind
    records: list[ResourceRecord]
    violations: list[Violation]
    notes: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> int:
        return sum(1 for v in self.violations if v.severity is Severity.MANDATORY)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FAILED if self.mandatory else ExitCode.OK

    def summary(self) -> dict[str, int]:
        endpoints = [r for r in self.records if is_type(r, SERVERLESS_ENDPOINT)]
        regions = {loc.lower() for r in endpoints if (loc := text(r.properties, "location"))}
        return {
            "resources": len(self.records),
            "endpoints": len(endpoints),
            "regions": len(regions),
            "violations": len(self.violations),
            "mandatory": self.mandatory,
            "advisory": len(self.violations) - self.mandatory,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": {"path": self.source, "kind": str(self.kind)},
            "violations": [v.as_dict() for v in self.violations],
            "summary": self.summary(),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def check_text(raw: str, source: str) -> PolicyReport:
    """Parse a document (auto-detected), build records, run every rule. BadInput on a malformed file."""
    try:
        document = json.loads(raw)
        kind, records, notes = load_document(document, source, on_secret=REDACTOR.add)
    except DocumentError as exc:
        raise BadInput(str(exc)) from None
    except json.JSONDecodeError as exc:
        # The message holds a position, never the document's content (which may hold secrets).
        raise BadInput(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise BadInput(f"{source}: nested too deeply to be a stack export or preview") from None
    return PolicyReport(source, kind, records, evaluate(records), notes)


# --------------------------------------------------------------------------------------------------
# Rendering (shared with `maas plan`: same violation shape)
# --------------------------------------------------------------------------------------------------


def violation_rows(violations: Sequence[Violation]) -> list[tuple[str, str, str, str, str]]:
    """(severity, policy, resource, message, fix) per violation, mandatory first, scrubbed."""
    ordered = sorted(violations, key=lambda v: v.severity is not Severity.MANDATORY)
    scrub = REDACTOR.scrub
    return [
        (str(v.severity), v.policy, scrub(v.resource or "(stack)"), scrub(v.message), scrub(v.fix)) for v in ordered
    ]


def summary_line(report: PolicyReport) -> str:
    s = report.summary()
    return (
        f"{count(s['resources'], 'resource')}, {count(s['endpoints'], 'endpoint')} in {count(s['regions'], 'region')}: "
        f"{s['mandatory']} mandatory, {s['advisory']} advisory violations"
    )


def render_table(report: PolicyReport) -> Table | Text:
    """A Rich table of violations (message with its fix underneath), or one line when there are none."""
    if not report.violations:
        return Text(f"Policy check: {report.source} ({report.kind}): no violations. {summary_line(report)}",
                    style="green")
    table = Table(title=f"Policy check: {report.source} ({report.kind})", caption=summary_line(report),
                  show_lines=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Policy", overflow="fold", max_width=24)
    table.add_column("Resource", overflow="fold", max_width=28)
    table.add_column("Problem and fix", overflow="fold", ratio=1)
    for severity, policy, resource, message, fix in violation_rows(report.violations):
        style = "bold red" if severity == Severity.MANDATORY else "yellow"
        detail = Text(message)
        if fix:
            detail.append(f"\nfix: {fix}", style="cyan")
        table.add_row(Text(severity, style=style), policy, resource, detail)
    return table


def render_markdown(report: PolicyReport) -> str:
    lines = [f"## Policy check: {md(report.source)} ({md(report.kind)})", "", md(summary_line(report)) + ".", ""]
    if report.violations:
        lines.append(md_table(["Severity", "Policy", "Resource", "Message", "Fix"], violation_rows(report.violations)))
    else:
        lines.append("No violations.")
    lines += [f"> note: {md(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"


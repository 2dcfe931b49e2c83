"""The page a platform lead opens: per subscription, the region x model matrix coloured by status,
and the drift list under it. Self-contained (inline CSS, no scripts, no fonts or images to fetch),
and every value from Azure or a stack file goes through html.escape: a resource or tag name is
attacker-controllable text as far as this page is concerned."""

from __future__ import annotations

from html import escape

from provisioning.audit.model import AuditReport, Cell, Status
from provisioning.audit.render.common import (
    LOOKS,
    Matrix,
    drift_label,
    headline,
    matrices,
    model_label,
    project_label,
    provenance,
    verify_failed,
    verify_text,
)


def e(text: object) -> str:
    return escape(str(text), quote=True)


def _css() -> str:
    statuses = "\n".join(
        f"  .st-{s.value} {{ background: {look.bg}; color: {look.fg}; }}" for s, look in LOOKS.items())
    return f"""
  :root {{ color-scheme: light; }}
  body {{ font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1f2328;
         background: #f6f8fa; }}
  header {{ background: #24292f; color: #fff; padding: 18px 28px; }}
  header h1 {{ margin: 0 0 4px; font-size: 22px; }}
  header .meta {{ color: #d0d7de; font-size: 12.5px; margin: 0; }}
  main {{ padding: 8px 28px 32px; }}
  .pills {{ display: flex; flex-wrap: wrap; gap: 8px; margin: 16px 0 6px; }}
  .pill {{ border-radius: 999px; padding: 3px 12px; font-weight: 600; font-size: 13px; border: 1px solid #d0d7de; }}
  .pill.zero {{ opacity: .45; }}
  .verdict {{ font-weight: 700; font-size: 15px; margin: 10px 0; }}
  .verdict.bad {{ color: #a40e26; }} .verdict.good {{ color: #116329; }}
  section.sub {{ background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 20px 18px;
                margin: 18px 0; }}
  section.sub h2 {{ font-size: 18px; margin: 12px 0 4px; }}
  h3 {{ font-size: 14.5px; margin: 16px 0 6px; }}
  .muted {{ color: #57606a; font-weight: 400; }}
  .matrices {{ display: flex; flex-wrap: wrap; gap: 0 28px; align-items: flex-start; }}
  table {{ border-collapse: collapse; }}
  table.matrix th, table.matrix td {{ border: 1px solid #d0d7de; padding: 6px 10px; vertical-align: top; }}
  table.matrix thead th {{ background: #f6f8fa; text-align: left; width: 128px; }}
  table.matrix tbody th {{ background: #f6f8fa; text-align: left; white-space: nowrap; }}
  td.cell {{ width: 128px; }}
  td.empty {{ color: #8c959f; text-align: center; background: #fff; }}
  .entry + .entry {{ border-top: 1px dashed currentColor; margin-top: 6px; padding-top: 6px; }}
  .status {{ font-weight: 700; }}
  .name {{ font-family: ui-monospace, SFMono-Regular, Consolas, monospace; font-size: 12px; word-break: break-all; }}
  .verify {{ font-size: 12px; }}
  .verify.pass::before {{ content: "✔ "; }} .verify.fail::before {{ content: "✘ "; }}
  .verify.fail {{ color: #a40e26; font-weight: 600; }}
  td.verify-fail {{ box-shadow: inset 0 0 0 3px #cf222e; }}
  table.drift {{ width: 100%; margin-top: 4px; }}
  table.drift th, table.drift td {{ border-bottom: 1px solid #d8dee4; padding: 6px 8px; text-align: left;
                                   vertical-align: top; }}
  table.drift th {{ background: #f6f8fa; }}
  table.drift td.status, table.drift td.name {{ white-space: nowrap; }}
  .ok-note {{ color: #116329; }}
  .legend {{ display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 12.5px; margin: 6px 0 0; }}
  .legend span.swatch {{ display: inline-block; border-radius: 4px; padding: 1px 8px; font-weight: 600; }}
  ul.errors li {{ color: #a40e26; }}
  footer {{ color: #57606a; font-size: 12px; padding: 0 28px 24px; }}
{statuses}
"""


def _entry(cell: Cell) -> str:
    look = LOOKS[cell.status]
    parts = [f'<div class="entry"><span class="status">{e(look.label)}</span>',
             f'<div class="name">{e(cell.endpoint)}</div>']
    if cell.verify is not None:
        parts.append(f'<div class="verify {e(cell.verify.status)}">{e(verify_text(cell))}</div>')
    parts.append("</div>")
    return "".join(parts)


def _td(cells: list[Cell], region: str, model: str) -> str:
    if not cells:
        return f'<td class="cell empty" data-region="{e(region)}" data-model="{e(model)}">—</td>'
    # The cell's colour is its worst verdict; each endpoint in it is listed.
    worst = min(cells, key=lambda c: _rank(c.status))
    title = " | ".join(c.message or LOOKS[c.status].meaning for c in cells)
    flagged = " verify-fail" if any(verify_failed(c) for c in cells) else ""
    return (f'<td class="cell st-{e(worst.status.value)}{flagged}" data-status="{e(worst.status.value)}" '
            f'data-region="{e(region)}" data-model="{e(model)}" title="{e(title)}">'
            + "".join(_entry(c) for c in cells) + "</td>")


def _rank(status: Status) -> int:
    order = [Status.REGION_NOT_ALLOWED, Status.WRONG_MODEL, Status.MISSING, Status.SUBSCRIPTION_MISSING,
             Status.WRONG_VERSION, Status.UNHEALTHY, Status.CONTENT_SAFETY_OFF, Status.EXTRA, Status.OK]
    return order.index(status)


def _matrix(matrix: Matrix) -> str:
    owner = f"stack {matrix.stack}" if matrix.stack else "no audited stack"
    head = "".join(f"<th>{e(model_label(m))}</th>" for m in matrix.models)
    rows = []
    for region in matrix.regions:
        tds = "".join(_td(matrix.at(region, m), region, m) for m in matrix.models)
        rows.append(f"<tr><th>{e(region)}</th>{tds}</tr>")
    return (f'<h3>Project {e(project_label(matrix.project))} <span class="muted">{e(owner)}</span></h3>\n'
            f'<table class="matrix"><thead><tr><th>Region</th>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody></table>")


def _drift(cells: list[Cell]) -> str:
    if not cells:
        return '<h3>Drift</h3><p class="ok-note">Everything in this subscription matches the stacks.</p>'
    rows = []
    for cell in cells:
        what = cell.message
        if cell.verify is not None and cell.verify.status == "fail":
            what = (what + "; " if what else "") + verify_text(cell)
        rows.append(f'<tr><td class="status st-{e(cell.status.value)}">{e(drift_label(cell))}</td>'
                    f"<td>{e(cell.region)}</td><td>{e(project_label(cell.project))}</td>"
                    f"<td>{e(model_label(cell.model))}</td><td class=\"name\">{e(cell.endpoint)}</td>"
                    f"<td>{e(what)}</td><td>{e(cell.fix)}</td></tr>")
    return (f"<h3>Drift ({len(cells)})</h3>\n"
            '<table class="drift"><thead><tr><th>Status</th><th>Region</th><th>Project</th><th>Model</th>'
            "<th>Endpoint</th><th>What</th><th>What to do</th></tr></thead><tbody>\n"
            + "\n".join(rows) + "\n</tbody></table>")


def to_html(report: AuditReport) -> str:
    counts = report.counts()
    pills = "".join(
        f'<span class="pill st-{e(s.value)}{" zero" if not counts[s.value] else ""}">'
        f"{e(LOOKS[s].label)}: {counts[s.value]}</span>" for s in LOOKS)
    legend = "".join(f'<span><span class="swatch st-{e(s.value)}">{e(look.label)}</span> {e(look.meaning)}</span>'
                     for s, look in LOOKS.items())
    verdict_class = "bad" if report.exit_code else "good"
    sections = []
    by_sub: dict[str, list[Matrix]] = {}
    for matrix in matrices(report):
        by_sub.setdefault(matrix.subscription, []).append(matrix)
    for sub in report.subscriptions:
        body = [f'<section class="sub" id="sub-{e(sub.id)}">',
                f"<h2>Subscription {e(sub.name or sub.id)}"
                + (f' <span class="muted">{e(sub.id)}</span>' if sub.name else "") + "</h2>"]
        if not sub.visible:
            body.append('<p class="muted">Not visible to this identity: nothing could be read.</p>')
        mats = by_sub.get(sub.id, [])
        if not mats and sub.visible:
            body.append('<p class="muted">No stack declares anything here and no catalog endpoint was found.</p>')
        body.append('<div class="matrices">' + "\n".join(f'<div class="project">{_matrix(m)}</div>' for m in mats)
                    + "</div>")
        body.append(_drift([c for c in report.drift if c.subscription == sub.id]))
        body.append("</section>")
        sections.append("\n".join(body))
    extras = []
    if report.errors:
        extras.append("<h2>Errors</h2><ul class=\"errors\">" + "".join(f"<li>{e(x)}</li>" for x in report.errors)
                      + "</ul>")
    if report.notes:
        extras.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in report.notes) + "</ul>")
    stacks = ", ".join(s.name for s in report.stacks if s.in_scope)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>maas audit: {e(stacks)}</title>
<style>{_css()}</style>
</head>
<body>
<header>
<h1>Region rollout audit</h1>
<p class="meta">{e(provenance(report))}</p>
</header>
<main>
<p class="verdict {verdict_class}">{e(headline(report))}</p>
<div class="pills">{pills}</div>
<div class="legend">{legend}</div>
{chr(10).join(sections)}
{chr(10).join(extras)}
</main>
<footer>maas-fleet · schema {e(report.document()["schemaVersion"])} · the JSON form (--format json) carries the
same cells for pipelines</footer>
</body>
</html>
"""

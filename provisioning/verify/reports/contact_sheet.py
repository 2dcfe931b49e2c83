"""index.html: a contact sheet of what every endpoint drew, region × model, with status and latency.

Self-contained (thumbnails as data: URIs, inline CSS, no script) and locked down by a
Content-Security-Policy, because it embeds server-provided text and images and is opened from CI
artifacts in a browser.
"""

from __future__ import annotations

import base64
from html import escape

from provisioning.verify.reports.common import (
    STATUS_ICON,
    checks_line,
    facts_line,
    headline,
    main_latency,
    model_order,
    ms,
    ordered,
    problems,
    region_order,
)
from provisioning.verify.results import CheckStatus, EndpointResult, VerifyReport

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1b1f24;background:#f6f8fa}
h1{font-size:20px;margin:0 0 4px} .facts{color:#57606a;margin-bottom:16px}
table.grid{border-collapse:collapse} .grid th,.grid td{border:1px solid #d0d7de;padding:8px;vertical-align:top}
.grid th{background:#eaeef2;text-align:left} .grid td.empty{background:#fafbfc;color:#8c959f;text-align:center}
.card{background:#fff;border:2px solid #d0d7de;border-radius:6px;padding:8px;margin:0 0 8px;width:420px}
.card.pass{border-color:#2da44e} .card.fail{border-color:#cf222e}
.thumbs{display:flex;gap:8px} figure{margin:0} figcaption{font-size:11px;color:#57606a}
img{display:block;max-width:192px;max-height:192px;border-radius:4px;background:#eee}
.noimg{width:192px;height:120px;display:flex;align-items:center;justify-content:center;background:#eee;
color:#8c959f;border-radius:4px}
.name{font-weight:600;margin-top:6px;word-break:break-all} .meta{color:#57606a}
.badge{display:inline-block;padding:0 6px;border-radius:10px;color:#fff;font-size:12px}
.badge.pass{background:#2da44e} .badge.fail{background:#cf222e}
ul.problems{margin:6px 0 0;padding-left:18px;color:#cf222e}
details table{border-collapse:collapse;font-size:12px} details td{padding:2px 6px;border-top:1px solid #eaeef2}
"""


def _card(result: EndpointResult) -> str:
    status = str(result.status)
    figures = []
    for thumb in result.thumbnails:
        data = base64.b64encode(thumb.jpeg).decode("ascii")
        caption = f"{thumb.check} · {thumb.format} {thumb.width}x{thumb.height}"
        figures.append(
            f'<figure><img src="data:image/jpeg;base64,{data}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>"
        )
    thumbs = "".join(figures) or '<div class="noimg">no image</div>'
    issue_items = "".join(
        f'<li class="{c.status}">{escape(str(c.name))} · {escape(str(c.category))}: {escape(c.detail)}</li>'
        for c in problems(result)
    )
    issues = f'<ul class="problems">{issue_items}</ul>' if issue_items else ""
    rows = "".join(
        f"<tr><td>{STATUS_ICON[c.status]}</td><td>{escape(str(c.name))}</td><td>{escape(str(c.category or ''))}</td>"
        f"<td>{ms(c.latency_ms)}</td><td>{escape(c.detail)}</td></tr>"
        for c in result.ordered_checks()
    )
    route = f" · {escape(result.route)}" if result.route else ""
    return (
        f'<div class="card {status}"><div class="thumbs">{thumbs}</div>'
        f'<div class="name">{escape(result.endpoint.name)}</div>'
        f'<div class="meta"><span class="badge {status}">{status}</span> '
        f"text-to-image {ms(main_latency(result))} · {checks_line(result)}{route}</div>"
        f"{issues}<details><summary>checks</summary><table>{rows}</table></details></div>"
    )


def render_html(report: VerifyReport) -> str:
    results = ordered(report)
    columns = sorted(
        {(e.endpoint.model, e.model_display) for e in results}, key=lambda c: (model_order(c[0]), c[1])
    )
    regions = sorted({e.endpoint.region for e in results}, key=region_order)
    head = "".join(f"<th>{escape(display)}</th>" for _, display in columns)
    body = []
    for region in regions:
        cells = []
        for model, display in columns:
            cards = [_card(e) for e in results if e.endpoint.region == region and (e.endpoint.model, e.model_display)
                     == (model, display)]
            cells.append(f"<td>{''.join(cards)}</td>" if cards else '<td class="empty">—</td>')
        body.append(f"<tr><th>{escape(region)}</th>{''.join(cells)}</tr>")
    icon = STATUS_ICON[CheckStatus.PASS] if report.ok else STATUS_ICON[CheckStatus.FAIL]
    title = f"maas verify: {headline(report)}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{icon} {escape(title)}</h1><div class=\"facts\">{escape(facts_line(report))}</div>"
        f'<table class="grid"><thead><tr><th>Region</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        "</body></html>\n"
    )

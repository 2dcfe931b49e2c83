"""index.html: a contact sheet of what every endpoint drew, with what needs attention first.

Layout, for the reader who opens it from a CI artifact: the failures (and content-filtered endpoints)
listed at the top, so none can hide; then one section per region (catalog order) with a card per
endpoint (catalog model order) in a grid that wraps to the window instead of scrolling sideways;
every status carries its word, not an icon alone; a run against the emulator says so in a banner.

Self-contained (thumbnails as data: URIs, inline CSS, no script) and locked down by a
Content-Security-Policy, because it embeds server-provided text and images. Rendered through a
Jinja2 template with autoescape: server text is escaped by default.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from provisioning.ui.html import render
from provisioning.verify.reports.common import (
    EMULATED_NOTE,
    FILTERED,
    STATUS_TEXT,
    check_shown,
    checks_line,
    facts_line,
    headline,
    main_latency,
    model_order,
    ms,
    needs_attention,
    ordered,
    problems,
    region_order,
    shown_status,
    status_label,
)
from provisioning.verify.results import CheckStatus, EndpointResult, VerifyReport

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class _Region:
    name: str
    cards: list[EndpointResult]


def _thumbnail_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _regions(report: VerifyReport) -> list[_Region]:
    results = ordered(report)
    regions = sorted({e.endpoint.region for e in results}, key=region_order)
    return [
        _Region(region, sorted((e for e in results if e.endpoint.region == region),
                               key=lambda e: (model_order(e.endpoint.model), e.model_display, e.endpoint.name)))
        for region in regions
    ]


def render_html(report: VerifyReport) -> str:
    attention = needs_attention(report)
    overall = CheckStatus.PASS if report.ok else CheckStatus.FAIL
    return render(
        "provisioning.verify.reports",
        "contact_sheet.html",
        csp=CSP,
        title=f"maas verify: {headline(report)}",
        overall_label=status_label(overall),
        facts=facts_line(report),
        emulated_note=EMULATED_NOTE if report.emulated else "",
        attention=attention,
        filtered_only=bool(attention) and all(shown_status(e) == FILTERED for e in attention),
        regions=_regions(report),
        total=len(report.endpoints),
        shown_status=shown_status,
        status_label=status_label,
        check_shown=check_shown,
        status_text=STATUS_TEXT,
        problems=problems,
        checks_line=checks_line,
        main_latency=main_latency,
        ms=ms,
        thumbnail_uri=_thumbnail_uri,
    )

"""The renderings: the HTML page (matrix cells and colours, self-contained, hostile names escaped),
the Markdown step summary and the terminal table."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from provisioning.audit.model import Status
from provisioning.audit.render.common import LOOKS
from tests.support.audit_fleet import SUBS, plant_drift

HOSTILE = '<img src=x onerror="alert(1)">'


class _Page(HTMLParser):
    """Collects the matrix cells (td.cell), every tag, and any script or external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = {k: v or "" for k, v in attrs}
        if tag == "td" and "cell" in attributes.get("class", "").split():
            self.cells.append(attributes)
        for name in ("src", "href"):
            if name in attributes:
                self.external.append(attributes[name])
        if any(k.startswith("on") for k in attributes):
            self.external.append(f"event handler on <{tag}>")


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture
def drifted_html(arm, maas, build_fleet, tmp_path: Path) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 10)
    plant_drift(arm, fleet)
    out = tmp_path / "audit.html"
    run = maas("audit", *fleet.args(), "--format", "html", "--out", str(out))
    assert run.code == 1
    doc = json.loads(maas("audit", *fleet.args(), "--format", "json").stdout)
    return out.read_text(encoding="utf-8"), doc


def test_every_cell_is_in_the_matrix_with_its_colour(drifted_html) -> None:  # type: ignore[no-untyped-def]
    html, doc = drifted_html
    page = _page(html)
    filled = [c for c in page.cells if "data-status" in c]
    assert len(filled) == len(doc["cells"])  # one matrix slot per cell here (no two endpoints share one)
    by_place = {(c["data-region"], c["data-model"], c["data-status"]) for c in filled}
    for cell in doc["cells"]:
        assert (cell["region"], cell["model"], cell["status"]) in by_place
    for cell in filled:
        assert f"st-{cell['data-status']}" in cell["class"].split()
    for status, look in LOOKS.items():  # each status has its colour rule, and the page uses every one
        assert re.search(rf"\.st-{status.value} \{{ background: {look.bg}; color: {look.fg}; }}", html)
        assert any(c["data-status"] == status.value for c in filled), status
    assert "missing: 1" in html and "92 cells, 81 ok, 11 drifted" in html


def test_matrix_per_subscription_with_its_drift_list_under_it(drifted_html) -> None:  # type: ignore[no-untyped-def]
    html, doc = drifted_html
    sections = re.findall(r'<section class="sub" id="sub-([^"]+)">(.*?)</section>', html, re.S)
    assert [s[0] for s in sections] == list(SUBS)
    dev, test, prod = (body for _, body in sections)
    assert dev.index('<table class="matrix">') < dev.index('<table class="drift">')
    assert "<h3>Drift (9)</h3>" in dev and "<h3>Drift (2)</h3>" in test
    assert "matches the stacks" in prod
    for entry in doc["drift"]:
        assert entry["endpoint"] in (dev if entry["subscription"] == SUBS[0] else test)


def test_the_page_is_self_contained(drifted_html) -> None:  # type: ignore[no-untyped-def]
    html, _ = drifted_html
    page = _page(html)
    assert page.external == []
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert "<style>" in html and "http://" not in html.split("<body>")[1].split("maas-fleet")[0].replace(
        "https://", "")


def test_hostile_names_are_escaped(arm, maas, build_fleet, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    ws = arm.add_workspace(SUBS[0], "rg-evil", "mlw-evil", "eastus", tags={"project": HOSTILE})
    arm.add_endpoint(ws, 'x"><svg onload=alert(2)>', "stable-image-core")
    arm.add_endpoint(ws, "pipe|name`code`", "stable-image-ultra")
    html_out, md_out = tmp_path / "a.html", tmp_path / "a.md"
    maas("audit", *fleet.args(), "--format", "html", "--out", str(html_out))
    maas("audit", *fleet.args(), "--format", "markdown", "--out", str(md_out))
    html, md = html_out.read_text(), md_out.read_text()
    page = _page(html)
    assert not {"script", "img", "svg"} & set(page.tags) and page.external == []
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html  # markupsafe's spelling of &quot;
    assert "x&#34;&gt;&lt;svg onload=alert(2)&gt;" in html
    assert "<svg" not in md and "<img" not in md
    assert "pipe\\|name\\`code\\`" in md  # the table is not broken by a `|`
    table_rows = [line for line in md.splitlines() if line.startswith("| ")]
    header_cells = {line.count(" | ") for line in table_rows if "region" in line or "westus" in line}
    assert header_cells  # rows exist; a stray pipe would have changed their column count
    assert all(r.replace("\\|", "").count("|") in (5, 9) for r in table_rows)


def test_markdown_summary(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 10)
    plant_drift(arm, fleet)
    md = maas("audit", *fleet.args(), "--format", "markdown").stdout
    assert md.startswith("## ❌ maas audit: 92 cells, 81 ok, 11 drifted")
    assert md.count("### Subscription ") == 3 and "### Drift (11)" in md
    assert "| region | Stable Diffusion 3.5 Large | Stable Image Core | Stable Image Ultra |" in md
    assert "❌ missing<br>ct-dev-p00-core" in md
    drift_rows = [line for line in md.splitlines() if line.startswith(("| ❌", "| ➕", "| ⚠️", "| 🛡️", "| 🔀",
                                                                       "| ⛔", "| 💳"))
                  and "<br>" not in line]
    assert len(drift_rows) == 11
    assert "Legend: ✅ ok" in md


def test_table_output(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(2, 10)
    plant_drift(arm, fleet)
    run = maas("audit", *fleet.args())
    assert run.code == 1
    out = run.stdout
    assert out.count("subscription maas ") == 2 and "project p00 · stack dev" in out
    assert "content safety off" in out and "region not allowed" in out and "drift (9)" in out
    assert "no drift in this subscription" not in out.split("subscription maas test")[0]
    assert "source resource-graph, 2 management call(s)" in out


def test_status_looks_cover_every_status() -> None:
    assert set(LOOKS) == set(Status)
    assert len({look.bg for look in LOOKS.values()}) == len(LOOKS)  # every status its own colour

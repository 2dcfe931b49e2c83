"""The four reports: exact JSON contract, JUnit that CI systems parse, inert Markdown and a
self-contained, locked-down contact sheet, all without secrets even when details are hostile."""

from __future__ import annotations

import base64
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from infra.catalog import Size
from provisioning.errors import BadInput
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.verify.imaging import inspect_image
from provisioning.verify.reports import REPORT_FILES, prepare_report_dir, write_reports
from provisioning.verify.results import Category, CheckName, CheckResult, EndpointResult, Thumbnail, VerifyReport

HOSTILE_DETAIL = "HTTP 400: <script>alert(1)</script> | **bold** \x00\x07 [x](http://evil) `code`"


def endpoint(region: str, model: str, name: str, key: str) -> InventoryEndpoint:
    return InventoryEndpoint.model_validate(
        {
            "region": region,
            "model": model,
            "name": name,
            "key": key,
            "uri": f"https://{name}-abcde.{region}.models.ai.azure.com",
        }
    )


def thumbnail() -> Thumbnail:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(out, format="PNG")
    facts = inspect_image(out.getvalue(), ("png",), Size(32, 32))
    assert facts.thumbnail
    return Thumbnail(CheckName.IMAGE, facts.thumbnail, 1024, 1024, "PNG")


@pytest.fixture
def report(helpers: Any) -> VerifyReport:
    ok = EndpointResult(
        endpoint("eastus", "stable-image-core", "core-eus", helpers.key),
        "azure",
        (CheckName.ROUTE, CheckName.TEXT_TO_IMAGE, CheckName.IMAGE),
    )
    ok.record(CheckResult.passed(CheckName.ROUTE, "POST /images/generations answered HTTP 200", 812.3))
    ok.record(CheckResult.passed(CheckName.TEXT_TO_IMAGE, "HTTP 200", 800.0))
    ok.record(CheckResult.passed(CheckName.IMAGE, "PNG 1024x1024, not blank", 12.0))
    ok.thumbnails.append(thumbnail())
    ok.add_image(0.04)
    ok.route = "/images/generations"
    bad = EndpointResult(
        endpoint("westus", "stable-diffusion-3.5-large", "sd35l-wus", "other-key-123456789"),
        "azure",
        (CheckName.ROUTE, CheckName.TEXT_TO_IMAGE, CheckName.IMAGE, CheckName.AUTH),
    )
    bad.record(CheckResult.passed(CheckName.ROUTE, "ok", 5.0))
    bad.record(CheckResult.failed(CheckName.TEXT_TO_IMAGE, Category.SCHEMA, HOSTILE_DETAIL + helpers.key, 40.0))
    bad.record(CheckResult.skipped(CheckName.IMAGE, "not run: text-to-image returned no image"))
    bad.record(CheckResult.failed(CheckName.AUTH, Category.CONTENT_FILTER, "filtered", 3.0))
    hosted = EndpointResult(
        endpoint("eastus", "stable-diffusion-3.5-large", "hosted-eus", helpers.key), "hosted", (CheckName.ROUTE,)
    )
    hosted.record(CheckResult.failed(CheckName.ROUTE, Category.TIMEOUT, "deadline", None))
    return VerifyReport([bad, ok, hosted], wall_s=1.234, started_at=1_700_000_000)


def test_report_json_has_exactly_the_contract_shape(report: VerifyReport, tmp_path: Path, helpers: Any) -> None:
    files = helpers.reports(report, tmp_path)
    doc = json.loads(files["report.json"])
    assert set(doc) == {"summary", "endpoints"}
    assert doc["summary"] == {
        "endpoints": 3,
        "passed": 1,
        "failed": 2,
        "images": 1,
        "estimated_cost_usd": 0.04,
        "wall_s": 1.234,
        "emulated": False,
    }
    for e in doc["endpoints"]:
        assert set(e) == {"name", "region", "model", "uri", "status", "checks"}
        assert e["status"] in ("pass", "fail")
        for c in e["checks"]:
            assert set(c) == {"name", "status", "category", "detail", "latency_ms"}
    statuses = {e["name"]: e["status"] for e in doc["endpoints"]}
    assert statuses == {"sd35l-wus": "fail", "core-eus": "pass", "hosted-eus": "fail"}
    filtered = doc["endpoints"][0]["checks"][3]
    assert filtered["status"] == "fail" and filtered["category"] == "content_filter"  # benign prompt filtered
    helpers.no_key(*files.values())
    assert "****" in files["report.json"]


def test_junit_is_well_formed_and_counts_add_up(report: VerifyReport, tmp_path: Path, helpers: Any) -> None:
    text = helpers.reports(report, tmp_path)["junit.xml"]
    root = ET.fromstring(text.encode())  # noqa: S314 - our own output; control characters did not break it
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 3
    total = failures = skipped = 0
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped", "-1")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert suite.get("errors") == "0" and float(suite.get("time", "x")) >= 0
        assert suite.get("timestamp") == "2023-11-14T22:13:20"
        assert {p.get("name") for p in suite.iter("property")} >= {"region", "model", "uri", "dialect"}
        for case in cases:
            assert case.get("name") and case.get("classname", "").startswith("maas.verify.")
            assert float(case.get("time", "x")) >= 0
            assert len([c for c in case if c.tag in ("failure", "skipped", "error")]) <= 1
        total += len(cases)
        failures += int(suite.get("failures", "0"))
        skipped += int(suite.get("skipped", "0"))
    assert (int(root.get("tests", "-1")), int(root.get("failures", "-1")), int(root.get("skipped", "-1"))) == (
        total,
        failures,
        skipped,
    )
    assert (total, failures, skipped) == (8, 3, 1)  # the content-filtered check is a failure, not a skip
    failure = root.find(".//testcase[@name='text-to-image']/failure")
    assert failure is not None and failure.get("type") == "schema"
    classnames = {c.get("classname") for c in root.iter("testcase")}
    assert "maas.verify.westus.stable-diffusion-3-5-large.sd35l-wus" in classnames  # dots only between levels
    helpers.no_key(text)


def test_summary_markdown_is_inert(report: VerifyReport, tmp_path: Path, helpers: Any) -> None:
    text = helpers.reports(report, tmp_path)["summary.md"]
    assert text.startswith("## ❌ maas verify: 2 of 3 endpoint(s) fail")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\[x\\](http://evil)" in text  # brackets escaped: no hidden links from server text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 4 and all(line.count(" | ") == 6 for line in table)  # no cell broke the table
    assert "Stable Diffusion 3.5 Large (hosted)" in text
    helpers.no_key(text)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.scripts = 0
        self.csp = ""
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag == "script":
            self.scripts += 1
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content") or ""
        if tag in ("a", "link"):
            self.links.append(a.get("href") or "")


def test_contact_sheet_is_self_contained(report: VerifyReport, tmp_path: Path, helpers: Any) -> None:
    text = helpers.reports(report, tmp_path)["index.html"]
    tags = _Tags()
    tags.feed(text)
    assert tags.scripts == 0 and tags.links == []
    assert "default-src 'none'" in tags.csp and "img-src data:" in tags.csp
    assert len(tags.images) == 1
    prefix = "data:image/jpeg;base64,"
    assert tags.images[0].startswith(prefix)
    thumb = Image.open(io.BytesIO(base64.b64decode(tags.images[0][len(prefix) :])))
    assert thumb.format == "JPEG" and max(thumb.size) <= 192
    # region sections in catalog order, cards in catalog model order, the hosted variant its own card
    assert text.index('<h2 class="region">eastus</h2>') < text.index('<h2 class="region">westus</h2>')
    eastus = text[text.index('<h2 class="region">eastus</h2>'):text.index('<h2 class="region">westus</h2>')]
    assert eastus.index("Stable Diffusion 3.5 Large (hosted)</h3>") < eastus.index("Stable Image Core</h3>")
    assert "&lt;script&gt;" in text
    helpers.no_key(text)


def test_reports_are_written_even_for_an_empty_failure(tmp_path: Path) -> None:
    written = write_reports(VerifyReport([], 0.0), tmp_path / "a" / "b")
    assert sorted(written) == sorted(REPORT_FILES) and all(p.stat().st_size > 0 for p in written.values())


def test_unwritable_report_dir_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BadInput, match="--report-dir"):
        prepare_report_dir(blocker / "reports")


def test_failures_come_first_in_summary_and_contact_sheet(report: VerifyReport, tmp_path: Path, helpers: Any) -> None:
    files = helpers.reports(report, tmp_path)
    summary, page = files["summary.md"], files["index.html"]
    assert summary.index("### Failed and content-filtered checks") < summary.index("### All endpoints")
    attention = page[page.index('<section class="attention">'):page.index('<section class="region">')]
    # both failing endpoints are listed above the grid, the westus one although its region comes last
    assert "sd35l-wus" in attention and "hosted-eus" in attention and "core-eus" not in attention
    assert "❌ fail" in attention and "schema" in attention
    assert "Emulated" not in summary and 'class="emulated"' not in page  # a real run claims nothing


def test_every_status_has_its_word_and_filtered_is_not_pass(tmp_path: Path, helpers: Any) -> None:
    filtered = EndpointResult(
        endpoint("eastus", "stable-image-core", "core-eus", helpers.key), "azure", (CheckName.TEXT_TO_IMAGE,)
    )
    filtered.record(CheckResult.failed(CheckName.TEXT_TO_IMAGE, Category.CONTENT_FILTER, "filtered", 3.0))
    files = helpers.reports(VerifyReport([filtered], wall_s=0.1), tmp_path)
    summary, page = files["summary.md"], files["index.html"]
    row = next(line for line in summary.splitlines() if line.startswith("| eastus"))
    assert row.split(" | ")[3] == "🛡️ fail: content-filtered"
    assert "content-filtered" in summary.splitlines()[0]  # the headline does not say "all pass"
    card = page[page.index('<div class="card '):]
    assert card.startswith('<div class="card filtered">') and "🛡️ fail: content-filtered</span>" in card
    assert '<section class="attention filtered-only">' in page
    for icon in ("✅", "❌", "🛡️", "⏭️"):  # no icon without its word
        for text in (summary, page):
            for at in [i for i in range(len(text)) if text.startswith(icon, i)]:
                assert text[at + len(icon):at + len(icon) + 2].strip(), f"{icon} alone in {text[at - 40:at + 40]}"


def test_emulated_endpoints_are_labelled_in_every_report(tmp_path: Path, helpers: Any) -> None:
    emulated = EndpointResult(
        endpoint("eastus", "stable-image-core", "core-eus", helpers.key).model_copy(update={"emulated": True}),
        "azure",
        (CheckName.ROUTE,),
    )
    emulated.record(CheckResult.passed(CheckName.ROUTE, "ok", 5.0))
    files = helpers.reports(VerifyReport([emulated], wall_s=0.1), tmp_path)
    assert json.loads(files["report.json"])["summary"]["emulated"] is True
    assert "Emulated:" in files["summary.md"] and "(emulated)" in files["summary.md"].splitlines()[0]
    root = ET.fromstring(files["junit.xml"].encode())  # noqa: S314 - our own output
    assert {p.get("name"): p.get("value") for p in root.iter("property")}["emulated"] == "true"
    assert '<p class="emulated">Emulated:' in files["index.html"]

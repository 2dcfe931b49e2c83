"""junit.xml: one <testsuite> per endpoint, one <testcase> per check, in the widely read JUnit
dialect (Jenkins, GitLab, Azure Pipelines, GitHub test reporters): `failure` for failed checks,
`skipped` (with the reason) for skipped ones, counts on every suite."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from provisioning.verify.results import CheckStatus, EndpointResult, VerifyReport

_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """XML 1.0 cannot carry most control characters; a hostile body must not make the file unreadable."""
    return _XML_INVALID.sub("\ufffd", str(value))


def _seconds(ms: float | None) -> str:
    return f"{(ms or 0.0) / 1000:.3f}"


def _suite(result: EndpointResult, timestamp: str) -> ET.Element:
    checks = result.ordered_checks()
    failures = sum(1 for c in checks if c.status is CheckStatus.FAIL)
    skipped = sum(1 for c in checks if c.status is CheckStatus.SKIP)
    suite = ET.Element(
        "testsuite",
        {
            "name": xml_text(result.label),
            "tests": str(len(checks)),
            "failures": str(failures),
            "errors": "0",
            "skipped": str(skipped),
            "time": _seconds(sum(c.latency_ms or 0.0 for c in checks)),
            "timestamp": timestamp,
            "hostname": xml_text(urlsplit(result.endpoint.uri).hostname or ""),
        },
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("region", result.endpoint.region),
        ("model", result.endpoint.model),
        ("endpoint", result.endpoint.name),
        ("uri", result.endpoint.uri),
        ("dialect", result.dialect),
        ("route", result.route or ""),
        ("images", result.images),
        ("emulated", str(bool(result.endpoint.emulated)).lower()),  # served by `maas emulate`, not Azure
    ):
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})
    model = result.endpoint.model.replace(".", "-")  # dots separate packages in CI test trees
    classname = xml_text(f"maas.verify.{result.endpoint.region}.{model}.{result.endpoint.name}")
    for check in checks:
        case = ET.SubElement(
            suite, "testcase", {"classname": classname, "name": str(check.name), "time": _seconds(check.latency_ms)}
        )
        category = str(check.category) if check.category else ""
        if check.status is CheckStatus.FAIL:
            failure = ET.SubElement(
                case, "failure", {"message": xml_text(f"{category}: {check.detail}"), "type": category}
            )
            failure.text = xml_text(check.detail)
        elif check.status is CheckStatus.SKIP:
            ET.SubElement(case, "skipped", {"message": xml_text(check.detail)})
        elif check.detail:
            ET.SubElement(case, "system-out").text = xml_text(check.detail)
    return suite


def render_junit(report: VerifyReport) -> str:
    timestamp = dt.datetime.fromtimestamp(report.started_at or 0, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    suites = [_suite(e, timestamp) for e in report.endpoints]
    root = ET.Element(
        "testsuites",
        {
            "name": "maas verify",
            "tests": str(sum(int(s.get("tests", "0")) for s in suites)),
            "failures": str(sum(int(s.get("failures", "0")) for s in suites)),
            "errors": "0",
            "skipped": str(sum(int(s.get("skipped", "0")) for s in suites)),
            "time": f"{report.wall_s:.3f}",
        },
    )
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""What the human-facing reports share: ordering (catalog order, not inventory order), the
headline, and small formatting rules, so Markdown, HTML and the console say the same thing."""

from __future__ import annotations

from infra.catalog import MODELS, REGIONS
from provisioning.verify.results import Category, CheckName, CheckResult, CheckStatus, EndpointResult, VerifyReport

STATUS_ICON = {CheckStatus.PASS: "✅", CheckStatus.FAIL: "❌", CheckStatus.SKIP: "⏭️"}


def region_order(region: str) -> tuple[int, str]:
    names = list(REGIONS)
    return (names.index(region), region) if region in REGIONS else (len(names), region)


def model_order(model: str) -> int:
    names = list(MODELS)
    return names.index(model) if model in MODELS else len(names)


def ordered(report: VerifyReport) -> list[EndpointResult]:
    return sorted(
        report.endpoints,
        key=lambda e: (region_order(e.endpoint.region), model_order(e.endpoint.model), e.dialect, e.endpoint.name),
    )


def headline(report: VerifyReport) -> str:
    n = len(report.endpoints)
    if report.ok:
        text = f"all {n} endpoint(s) pass"
    else:
        text = f"{report.failed} of {n} endpoint(s) fail"
    return text + (" (deadline reached)" if report.deadline_hit else "")


def facts_line(report: VerifyReport) -> str:
    filtered = sum(1 for e in report.endpoints for c in e.checks.values()
                   if c.status is CheckStatus.FAIL and c.category is Category.CONTENT_FILTER)
    parts = [
        f"{len(report.endpoints)} endpoints",
        f"{report.count(CheckStatus.PASS)} checks passed",
        f"{report.count(CheckStatus.FAIL)} failed",
    ]
    if filtered:
        parts.append(f"{filtered} content-filtered")
    parts += [f"{report.images} images", f"~${report.cost_usd:.4f} at list prices", f"{report.wall_s:.1f}s wall"]
    return " · ".join(parts)


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def main_latency(result: EndpointResult) -> float | None:
    check = result.checks.get(CheckName.TEXT_TO_IMAGE)
    return check.latency_ms if check else None


def problems(result: EndpointResult) -> list[CheckResult]:
    return [c for c in result.ordered_checks() if c.status is CheckStatus.FAIL]


def checks_line(result: EndpointResult) -> str:
    checks = result.ordered_checks()
    passed = sum(1 for c in checks if c.status is CheckStatus.PASS)
    return f"{passed}/{len(checks)} pass"

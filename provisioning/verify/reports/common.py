"""What the human-facing reports share: ordering (catalog order, not inventory order), the
headline, and small formatting rules, so Markdown, HTML and the console say the same thing."""

from __future__ import annotations

from infra.catalog import MODELS, REGIONS
from provisioning.verify.results import Category, CheckName, CheckResult, CheckStatus, EndpointResult, VerifyReport

# What a report shows: the check statuses, plus `filtered` for a failure whose only cause is the
# content filter answering the benign prompt (still a failure; shown as such, so nobody takes it for
# a broken endpoint nor for a pass).
FILTERED = "filtered"
STATUS_ICON = {CheckStatus.PASS: "✅", CheckStatus.FAIL: "❌", FILTERED: "🛡️", CheckStatus.SKIP: "⏭️"}
# An icon alone is not an answer (screen readers, colour-blind readers, plain-text logs): every status
# is shown with its word.
STATUS_TEXT = {CheckStatus.PASS: "pass", CheckStatus.FAIL: "fail", FILTERED: "fail: content-filtered",
               CheckStatus.SKIP: "skipped"}
EMULATED_NOTE = ("Emulated: these endpoints were served by the local emulator (maas emulate), not Azure; "
                 "nothing was billed and nothing here says anything about a deployed fleet.")


def status_label(status: str) -> str:
    """`❌ fail`, `🛡️ fail: content-filtered`: icon and word together."""
    return f"{STATUS_ICON[status]} {STATUS_TEXT[status]}"


def check_shown(check: CheckResult) -> str:
    """A check's status as shown: `filtered` for a check failed by the content filter."""
    if check.status is CheckStatus.FAIL and check.category is Category.CONTENT_FILTER:
        return FILTERED
    return str(check.status)


def shown_status(result: EndpointResult) -> str:
    """What a report shows for an endpoint: `filtered` if it failed only because the content filter
    answered instead of an image, `fail` for any other failure, else its status."""
    if result.status is CheckStatus.FAIL:
        failing = problems(result)
        return FILTERED if failing and all(check_shown(c) == FILTERED for c in failing) else str(CheckStatus.FAIL)
    return str(result.status)


def needs_attention(report: VerifyReport) -> list[EndpointResult]:
    """Endpoints that did not pass, other failures before content-filtered ones, each group in catalog
    order: what a reader must see before anything else."""
    rank = {str(CheckStatus.FAIL): 0, FILTERED: 1}
    flagged = [e for e in ordered(report) if shown_status(e) in rank]
    return sorted(flagged, key=lambda e: rank[shown_status(e)])


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
    filtered = sum(1 for e in report.endpoints if shown_status(e) == FILTERED)
    if not report.ok:
        text = f"{report.failed} of {n} endpoint(s) fail" + (f", {filtered} content-filtered" if filtered else "")
    else:
        text = f"all {n} endpoint(s) pass"
    text += " (deadline reached)" if report.deadline_hit else ""
    return text + (" (emulated)" if report.emulated else "")


def facts_line(report: VerifyReport) -> str:
    filtered = sum(1 for e in report.endpoints for c in e.checks.values() if check_shown(c) == FILTERED)
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

"""What the human-facing reports share: ordering (catalog order, not inventory order), the
headline, and small formatting rules, so Markdown, HTML and the console say the same thing."""

from __future__ import annotations

from infra.catalog import MODELS, REGIONS
from provisioning.verify.results import CheckName, CheckResult, CheckStatus, EndpointResult, VerifyReport

STATUS_ICON = {CheckStatus.PASS: "✅", CheckStatus.FAIL: "❌", CheckStatus.FILTERED: "🛡️", CheckStatus.SKIP: "⏭️"}
# An icon alone is not an answer (screen readers, colour-blind readers, plain-text logs): every status
# is shown with its word.
STATUS_TEXT = {CheckStatus.PASS: "pass", CheckStatus.FAIL: "fail", CheckStatus.FILTERED: "content-filtered",
               CheckStatus.SKIP: "skipped"}
EMULATED_NOTE = ("Emulated: these endpoints were served by the local emulator (maas emulate), not Azure; "
                 "nothing was billed and nothing here says anything about a deployed fleet.")


def status_label(status: CheckStatus) -> str:
    """`❌ fail`, `🛡️ content-filtered`: icon and word together."""
    return f"{STATUS_ICON[status]} {STATUS_TEXT[status]}"


def shown_status(result: EndpointResult) -> CheckStatus:
    """What a report shows for an endpoint: `fail` if a check failed; `filtered` if the content filter
    answered instead of an image (the endpoint is reachable, but it did not prove it draws, so it must
    not look like a pass); else its status."""
    if result.status is CheckStatus.FAIL:
        return CheckStatus.FAIL
    if any(c.status is CheckStatus.FILTERED for c in result.checks.values()):
        return CheckStatus.FILTERED
    return result.status


def needs_attention(report: VerifyReport) -> list[EndpointResult]:
    """Endpoints that did not plainly pass, failures first, each group in catalog order: what a
    reader must see before anything else."""
    rank = {CheckStatus.FAIL: 0, CheckStatus.FILTERED: 1}
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
    filtered = sum(1 for e in report.endpoints if shown_status(e) is CheckStatus.FILTERED)
    if not report.ok:
        text = f"{report.failed} of {n} endpoint(s) fail" + (f", {filtered} content-filtered" if filtered else "")
    elif filtered:
        text = f"{n - filtered} of {n} endpoint(s) pass, {filtered} content-filtered"
    else:
        text = f"all {n} endpoint(s) pass"
    text += " (deadline reached)" if report.deadline_hit else ""
    return text + (" (emulated)" if report.emulated else "")


def facts_line(report: VerifyReport) -> str:
    filtered = report.count(CheckStatus.FILTERED)
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
    return [c for c in result.ordered_checks() if c.status in (CheckStatus.FAIL, CheckStatus.FILTERED)]


def checks_line(result: EndpointResult) -> str:
    checks = result.ordered_checks()
    passed = sum(1 for c in checks if c.status is CheckStatus.PASS)
    return f"{passed}/{len(checks)} pass"

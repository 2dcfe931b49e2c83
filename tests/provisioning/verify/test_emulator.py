"""`maas verify` against the real emulator: the credential-free default passes, and every fault
knob of the emulator shows up as the right category (docs/architecture.md, Verification and the emulator)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import Route
from provisioning.cli import main
from provisioning.emulator import EmulatorSettings, running_emulator
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.verify.checks import Target
from provisioning.verify.dialects import DIALECTS
from provisioning.verify.reports import REPORT_FILES
from provisioning.verify.results import Category, CheckName, CheckStatus, VerifyReport
from provisioning.verify.runner import VerifyRun

ONE_REGION = {"regions": ("eastus",)}


async def verify_emulated(settings: EmulatorSettings, helpers: Any, **options: Any) -> tuple[VerifyReport, Any]:
    with running_emulator(settings) as emu:
        inventory = emu.inventory
        targets = [Target(e, DIALECTS[e.dialect or "azure"]) for e in inventory]
        report = await VerifyRun(targets, helpers.options(**options)).execute()
        return report, emu.statuses()


def by_name(report: VerifyReport) -> dict[str, dict[str, tuple[str, str | None]]]:
    return {
        f"{e.dialect}:{e.endpoint.model}": {
            str(c.name): (str(c.status), None if c.category is None else str(c.category)) for c in e.ordered_checks()
        }
        for e in report.endpoints
    }


def test_verify_emulate_is_the_credential_free_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["maas", "verify", "--emulate", "--report-dir", str(tmp_path / "demo")])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    assert done.value.code == 0, err
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == sorted(REPORT_FILES)
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    # 2 regions x 3 models + the hosted endpoint; SD 3.5 Large draws twice (image-to-image)
    assert report["summary"]["endpoints"] == 7 and report["summary"]["failed"] == 0
    assert report["summary"]["images"] == 9
    html = (tmp_path / "demo" / "index.html").read_text()
    assert html.count("data:image/jpeg;base64,") == 9  # every generated image on the contact sheet
    # every report of an emulated run says so
    assert report["summary"]["emulated"] is True
    assert '<p class="emulated">Emulated:' in html
    assert "Emulated:" in (tmp_path / "demo" / "summary.md").read_text()
    assert '<property name="emulated" value="true"' in (tmp_path / "demo" / "junit.xml").read_text()
    assert "maas-emu-hosted-sd35l" in out


async def test_every_check_passes_on_a_healthy_fleet(helpers: Any) -> None:
    report, _ = await verify_emulated(EmulatorSettings(**ONE_REGION), helpers)
    assert report.ok
    checks = by_name(report)
    assert set(checks["azure:stable-diffusion-3.5-large"]) == {
        "route",
        "auth",
        "text-to-image",
        "image",
        "image-to-image",
        "invalid-size",
    }
    assert set(checks["azure:stable-image-core"]) == {
        "route",
        "auth",
        "text-to-image",
        "image",
        "invalid-size",
        "capability-mismatch",
    }
    assert set(checks["hosted:stable-diffusion-3.5-large"]) == {
        "route",
        "auth",
        "text-to-image",
        "image",
        "invalid-size",
    }
    assert all(status == "pass" for e in checks.values() for status, _ in e.values())


async def test_server_errors(helpers: Any) -> None:
    report, statuses = await verify_emulated(EmulatorSettings(**ONE_REGION, error_rate=1.0, hosted=False), helpers)
    for checks in by_name(report).values():
        assert checks["text-to-image"] == ("fail", "server_error")
        assert checks["auth"] == ("pass", None) and checks["invalid-size"] == ("pass", None)
    assert all(counts.get(500, 0) <= 2 for counts in statuses.values())  # a 500 is never retried


async def test_throttling_is_retried_then_classified(helpers: Any) -> None:
    settings = EmulatorSettings(**ONE_REGION, throttle_rate=1.0, retry_after_s=0, hosted=False)
    report, statuses = await verify_emulated(settings, helpers, retries=2)
    for checks in by_name(report).values():
        assert checks["text-to-image"] == ("fail", "throttled")
        assert checks["auth"] == ("pass", None)  # the key check comes before the limiter
    # text-to-image, invalid size and mismatch/image-to-image: 3 requests per endpoint, 3 attempts each
    assert all(counts.get(429) == 9 for counts in statuses.values()), statuses


async def test_a_content_filtered_benign_prompt_fails_the_endpoint(helpers: Any) -> None:
    """The suite's prompt is harmless: an endpoint that filters it produced no image for a client."""
    report, _ = await verify_emulated(EmulatorSettings(**ONE_REGION, content_filter_word="apple"), helpers)
    assert not report.ok and report.failed == len(report.endpoints)
    for checks in by_name(report).values():
        assert checks["text-to-image"] == ("fail", "content_filter")
        assert checks["image"] == ("skip", None)


async def test_the_content_safety_probe_passes_when_filtered(helpers: Any) -> None:
    """The opt-in probe sends a prompt the filter must refuse: a refusal proves content safety is on,
    and the benign checks still pass."""
    settings = EmulatorSettings(**ONE_REGION, content_filter_word="gory", hosted=False)
    report, _ = await verify_emulated(settings, helpers, content_safety_probe=True)
    assert report.ok
    for checks in by_name(report).values():
        assert checks["content-safety"] == ("pass", None)
        assert checks["text-to-image"] == ("pass", None)


async def test_the_content_safety_probe_fails_when_the_endpoint_draws_it(helpers: Any) -> None:
    settings = EmulatorSettings(**ONE_REGION, content_filter_word="", hosted=False)
    report, _ = await verify_emulated(settings, helpers, content_safety_probe=True)
    assert report.failed == len(report.endpoints)
    for result in report.endpoints:
        probe = result.checks[CheckName.CONTENT_SAFETY]
        assert (probe.status, probe.category) == (CheckStatus.FAIL, Category.CONTENT_FILTER)
        assert "content filter is not working" in probe.detail
        assert result.images == len([n for n in result.planned if n in (
            CheckName.TEXT_TO_IMAGE, CheckName.IMAGE_TO_IMAGE, CheckName.CONTENT_SAFETY)])


async def test_without_the_option_no_probe_is_sent(helpers: Any) -> None:
    report, _ = await verify_emulated(EmulatorSettings(**ONE_REGION, hosted=False), helpers)
    assert all(CheckName.CONTENT_SAFETY not in e.planned for e in report.endpoints)


async def test_wrong_key_and_timeouts(helpers: Any) -> None:
    settings = EmulatorSettings(regions=("westus",), models=("stable-image-ultra",), hosted=False, latency_ms=400)
    with running_emulator(settings) as emu:
        good = emu.inventory[0]
        wrong = InventoryEndpoint.model_validate(
            good.inventory_dict() | {"key": "not-the-key-" + "x" * 20, "name": "wrong"}
        )
        slow = good
        targets = [Target(e, DIALECTS["azure"]) for e in (wrong, slow)]
        report = await VerifyRun(targets, helpers.options(timeout_s=0.2)).execute()
    wrong_checks, slow_checks = helpers.checks(report, 0), helpers.checks(report, 1)
    assert wrong_checks["text-to-image"] == ("fail", "auth") and wrong_checks["auth"] == ("pass", None)
    assert slow_checks["text-to-image"] == ("fail", "timeout")
    assert slow_checks["invalid-size"] == ("pass", None)  # refusals come before the model's latency


async def test_documented_route_works_when_configured(helpers: Any) -> None:
    settings = EmulatorSettings(regions=("eastus",), models=("stable-image-core",), hosted=False)
    report, _ = await verify_emulated(settings, helpers, route=Route.IMAGE_GENERATIONS)
    assert report.ok and report.endpoints[0].route == Route.IMAGE_GENERATIONS.value


async def test_same_seed_same_pictures(helpers: Any) -> None:
    settings = EmulatorSettings(regions=("eastus",), models=("stable-image-core",), hosted=False)
    first, _ = await verify_emulated(settings, helpers, seed=5)
    again, _ = await verify_emulated(settings, helpers, seed=5)
    other, _ = await verify_emulated(settings, helpers, seed=6)
    thumbs = [r.endpoints[0].thumbnails[0].jpeg for r in (first, again, other)]
    assert thumbs[0] == thumbs[1] != thumbs[2]

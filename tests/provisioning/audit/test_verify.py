"""`maas audit --verify`: the verifier runs on the live endpoints the audit found (keys via listKeys)
and its pass/fail and latency land in the same cells. The fake ARM's endpoints point at the local
emulator on 127.0.0.1, with the emulator's keys, so the verifier talks to loopback only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import MODELS
from provisioning.emulator import EmulatorSettings, running_emulator
from tests.support.audit_fleet import Fleet, endpoint_of


@pytest.fixture
def emulated_fleet(arm, build_fleet) -> Iterator[tuple[Fleet, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """1 subscription x 2 workspaces (eastus: p00, p01) x 3 models, each endpoint answered by the emulator.
    Yields the fleet and endpoint name -> its (working) key."""
    fleet = build_fleet(1, 2)
    config, sub = fleet.configs["dev"], fleet.subscriptions["dev"]
    settings = EmulatorSettings(regions=tuple(config.regions), projects=tuple(config.projects), hosted=False)
    keys: dict[str, str] = {}
    with running_emulator(settings) as emu:
        for entry in emu.inventory:
            assert entry.key is not None
            ep = endpoint_of(arm, config, sub, entry.region, entry.project, entry.model)
            ep.inference_uri = entry.uri
            ep.primary_key = entry.key.get_secret_value()
            keys[ep.name] = ep.primary_key
        yield fleet, keys


def _cells(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["endpoint"]: c for c in doc["cells"]}


def test_verify_folds_pass_fail_and_latency_into_cells(arm, maas, emulated_fleet,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    fleet, keys = emulated_fleet
    config, sub = fleet.configs["dev"], fleet.subscriptions["dev"]
    core = MODELS["stable-image-core"]
    broken = endpoint_of(arm, config, sub, "eastus", "p00", core.slug)
    broken.primary_key = "not-the-key-the-emulator-expects"  # listKeys hands out a key that is refused
    failed = endpoint_of(arm, config, sub, "eastus", "p01", core.slug)
    failed.provisioning_state = "Failed"  # not live: skipped, and unhealthy in the audit

    run = maas("audit", *fleet.args(), "--format", "json", "--verify", "--verify-report-dir", str(tmp_path / "v"))
    assert run.code == 1, run.stderr
    doc = json.loads(run.stdout)
    cells = _cells(doc)
    assert cells[broken.name]["status"] == "ok"  # Azure holds it as declared...
    assert cells[broken.name]["verify"]["status"] == "fail"  # ...but it does not answer with its key
    assert "text-to-image (auth)" in cells[broken.name]["verify"]["failedChecks"]
    assert "HTTP 401" in cells[broken.name]["verify"]["detail"]
    assert cells[failed.name]["status"] == "unhealthy"
    assert cells[failed.name]["verify"] == {"status": "skipped", "latencyMs": None, "failedChecks": [],
                                            "detail": "provisioningState Failed"}
    passed = [c for c in doc["cells"] if c["verify"] and c["verify"]["status"] == "pass"]
    assert len(passed) == 4
    assert all(c["verify"]["latencyMs"] is not None and c["verify"]["latencyMs"] >= 0 for c in passed)
    assert doc["summary"]["verify"] == {"endpoints": 5, "passed": 4, "failed": 1}
    assert any(d["endpoint"] == broken.name and d["status"] == "ok" for d in doc["drift"])
    assert (tmp_path / "v" / "junit.xml").is_file() and (tmp_path / "v" / "report.json").is_file()
    # No key in any output, nor in the verifier's reports.
    everything = run.stdout + run.stderr + "".join(p.read_text() for p in (tmp_path / "v").iterdir() if p.is_file())
    for key in [*keys.values(), broken.primary_key]:
        assert key not in everything
    html = tmp_path / "audit.html"
    run = maas("audit", *fleet.args(), "--format", "html", "--out", str(html), "--verify")
    page = html.read_text()
    assert page.count('verify-fail"') == 1 and "ok · verify failed" in page and "verify pass" in page
    assert not any(key in page + run.stderr for key in [*keys.values(), broken.primary_key])


def test_verify_shows_in_every_format(arm, maas, emulated_fleet, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet, keys = emulated_fleet
    for fmt in ("html", "markdown", "table"):
        out = tmp_path / f"audit.{fmt}"
        run = maas("audit", *fleet.args(), "--format", fmt, "--out", str(out), "--verify")
        assert run.code == 0, run.stderr
        text = out.read_text()
        assert "verify pass" in text, fmt
        assert not any(k in text or k in run.stderr for k in keys.values())


def test_the_cost_guard_refuses_before_anything_is_sent(arm, maas, emulated_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet, _ = emulated_fleet
    run = maas("audit", *fleet.args(), "--format", "json", "--verify", "--max-images", "1")
    assert run.code == 2 and "refusing to run" in json.loads(run.stdout)["error"]["message"]
    assert "refusing to run" in run.stderr and "exceeds --max-images 1" in run.stderr


def test_verify_options_need_verify(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 1, seed=False)
    run = maas("audit", *fleet.args(), "--max-images", "3")
    assert run.code == 2 and "only apply with --verify" in run.stderr

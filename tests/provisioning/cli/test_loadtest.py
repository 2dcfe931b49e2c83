"""`maas loadtest` against the emulator: the JSON contract, a failing region, bad input, the cost guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

STACK = "config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus, eastus2, westus3]\n" \
        "  maas-fleet:models: [stable-image-core]\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Pulumi.lt.yaml").write_text(STACK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_emulated_run_with_a_failing_region(here: Path, maas: Any) -> None:
    run = maas("loadtest", "--emulate", "--stack", "lt", "--model", "stable-image-core", "--rps", "20",
               "--duration", "1", "--rate-limit", "5/1", "--fail-region", "westus3", "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert set(doc) == {"model", "offeredRps", "durationS", "sent", "succeeded", "failed", "throttledRetries",
                        "achievedRps", "aggregateLimitRps", "ratio", "latencyMs", "perEndpoint"}
    assert doc["sent"] == 20 and doc["succeeded"] == 20 and doc["failed"] == 0
    assert doc["aggregateLimitRps"] == 10.0  # two healthy endpoints x 5 per second
    by_region = {e["region"]: e for e in doc["perEndpoint"]}
    assert by_region["westus3"]["succeeded"] == 0 and by_region["westus3"]["failed"] >= 1
    assert by_region["eastus"]["succeeded"] + by_region["eastus2"]["succeeded"] == 20
    assert set(doc["latencyMs"]) == {"p50", "p95"}


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        (["--emulate", "--rate-limit", "10", "--fail-region", "mars"],
         ["--rate-limit '10': write N/SECONDS", "--fail-region 'mars' is not a region"]),
        (["--inventory", "x.json", "--fail-region", "eastus"], ["--fail-region: only with --emulate"]),
        (["--emulate", "--fail-region", "westus"], ["--fail-region westus: not a region of stack lt"]),
        (["--emulate", "--inventory", "x.json"], ["choose exactly one of --emulate, --inventory FILE or --stack NAME"]),
    ],
)
def test_bad_input_one_line_each_exit_2(here: Path, args: list[str], messages: list[str], maas: Any) -> None:
    run = maas("loadtest", "--stack", "lt", "--model", "stable-image-core", "--rps", "1", "--duration", "1", *args)
    assert run.code == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == len(messages)
    for message in messages:
        assert any(message in line for line in lines), lines


def test_a_real_fleet_is_behind_the_cost_guard(here: Path, maas: Any) -> None:
    run = maas("loadtest", "--inventory", "inventory.json", "--model", "stable-image-core", "--rps", "10",
               "--duration", "30", "--max-images", "100")
    assert run.code == 2 and "refusing to run: 300 billable image(s)" in run.stderr

"""`maas plan` over stack files using the enterprise options: bad values are one line each, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAD = "config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus2]\n"


def maas(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "provisioning", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


CASES = [
    ("  maas-fleet:diagnostics: maybe\n", ["maas-fleet:diagnostics: 'maybe'"]),
    ("  maas-fleet:protect: sometimes\n", ["maas-fleet:protect: 'sometimes'"]),
    ("  maas-fleet:models:\n    - {slug: stable-image-core, version: latest}\n    - {version: 2}\n",
     ["maas-fleet:models[0].version: 'latest' must be a whole number", "maas-fleet:models[1].slug: is required"]),
    ("  maas-fleet:budget: {monthlyUsd: 100, contactEmails: []}\n",
     ["maas-fleet:budget.contactEmails: [] is empty: a budget without contacts alerts nobody"]),
    ("  maas-fleet:network:\n    publicNetworkAccess: Disabled\n    privateEndpointSubnets: {eastus2: vnet1/pe}\n",
     ["maas-fleet:network.privateEndpointSubnets.eastus2: 'vnet1/pe' is not a subnet id",
      "maas-fleet:network.privateDnsZoneResourceGroup: is required when publicNetworkAccess is Disabled"]),
]


def test_plan_shows_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.fin.yaml"
    path.write_text(HEAD + "  maas-fleet:budget: {monthlyUsd: 250, contactEmails: [finops@contoso.com]}\n")
    table = maas("plan", "--config", str(path), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Budget: $250.00/month on each of 1 unit resource groups" in table.stdout
    assert "no capacity targets set" in table.stdout
    markdown = maas("plan", "--config", str(path), "--format", "markdown", cwd=tmp_path)
    assert "### Budget" in markdown.stdout and "alerts at 80%, 100% to 1 contact(s)" in markdown.stdout


@pytest.mark.parametrize(("extra", "expected"), CASES)
def test_bad_enterprise_values_exit_2_one_line_each(tmp_path: Path, extra: str, expected: list[str]) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(HEAD + extra)
    result = maas("plan", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    problems = [line for line in result.stderr.splitlines() if line.startswith("  maas-fleet:")]
    assert len(problems) == len(expected), result.stderr
    for line in expected:
        assert line in result.stderr, result.stderr


def test_plan_table_shows_a_pinned_version(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.pin.yaml"
    path.write_text(HEAD + "  maas-fleet:models: [{slug: stable-image-core, version: 2}, stable-image-ultra]\n")
    table = maas("plan", "--config", str(path), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "stable-image-core v2" in table.stdout and "stable-image-ultra v" not in table.stdout

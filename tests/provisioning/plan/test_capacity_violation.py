"""`maas plan` reports an unmet capacity target as the mandatory violation `capacity-meets-target`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.config import parse_stack_config
from policies.records import Severity
from provisioning.plan.program import plan

TARGETED = """config:
  maas-fleet:prefix: acme
  maas-fleet:regions: [eastus2, westus3]
  maas-fleet:models: [stable-image-core, stable-image-ultra]
  maas-fleet:projects: [main]
  maas-fleet:capacity:
    stable-image-core: {requestsPerMinute: 3000, survive: region}
    stable-image-ultra: {requestsPerMinute: 2000}
"""


def test_an_unmet_target_is_a_mandatory_violation_whose_fix_names_the_projects() -> None:
    config = parse_stack_config({
        "maas-fleet:prefix": "acme",
        "maas-fleet:regions": ["eastus2", "westus3"],
        "maas-fleet:models": ["stable-image-core", "stable-image-ultra"],
        "maas-fleet:capacity": {"stable-image-core": {"requestsPerMinute": 3000, "survive": "region"},
                                "stable-image-ultra": {"requestsPerMinute": 2000}},
    })
    result = plan(config)
    found = [v for v in result.violations if v.policy == "capacity-meets-target"]
    assert len(found) == 1  # ultra: 2 regions x 1 project = 2000, met
    violation = found[0]
    assert violation.severity is Severity.MANDATORY and violation in result.mandatory_violations
    assert "stable-image-core must carry 3000 requests/min after losing a region" in violation.message
    assert "carry 1000" in violation.message
    # 1000 per project survives a region loss with two regions: three projects are needed.
    assert violation.fix.startswith("set maas-fleet:projects to [main, p2, p3]")


def test_met_targets_add_nothing() -> None:
    config = parse_stack_config({
        "maas-fleet:prefix": "acme",
        "maas-fleet:regions": ["eastus2", "westus3"],
        "maas-fleet:projects": ["main", "p2", "p3"],
        "maas-fleet:capacity": {"stable-image-core": {"requestsPerMinute": 3000, "survive": "region"}},
    })
    assert not [v for v in plan(config).violations if v.policy == "capacity-meets-target"]


def test_plan_exits_1_and_reports_it_in_json(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.cap.yaml").write_text(TARGETED)
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-m", "provisioning", "plan", "--stack", "cap", "--format", "json"],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    violations = json.loads(done.stdout)["violations"]
    assert [v["policy"] for v in violations if v["severity"] == "mandatory"] == ["capacity-meets-target"]

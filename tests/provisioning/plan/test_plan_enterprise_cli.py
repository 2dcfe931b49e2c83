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
]


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

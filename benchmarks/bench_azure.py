"""Azure operations against the loopback fake ARM: wall time and management calls per command.

What it shows: preflight's calls grow with the stack's units (one permission read per resource
group and workspace, one endpoint listing per existing workspace in the stack's regions), not with
anything else in the subscription; `maas endpoints --stack` reads only the stack's workspaces.
Figures are from one run on this machine against a fake, so only ratios mean anything.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "azure")]

from infra.catalog import REGIONS  # noqa: E402
from infra.config import load_stack_file  # noqa: E402
from provisioning.cli import main  # noqa: E402
from tests.support.fake_arm import SUB, FakeArmServer, write_stack  # noqa: E402


def run(*args: str) -> tuple[int, float]:
    sys.argv = ["maas", *args]
    start = time.perf_counter()
    code = 0
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, time.perf_counter() - start


def measure(server: FakeArmServer, tmp: Path, regions: list[str], projects: list[str], noise: int) -> str:
    arm = server.arm
    arm.reset()
    os.environ.update(server.env())
    arm.add_subscription(SUB)
    stack = write_stack(tmp, regions=regions, projects=projects)
    arm.seed_fleet(load_stack_file(stack), SUB)
    for i in range(noise):  # other teams' workspaces elsewhere in the subscription
        arm.add_workspace(SUB, f"rg-other-{i}", f"mlw-other-{i}", "centralus")
    arm.requests.clear()
    code, preflight_s = run("preflight", "--config", str(stack), "--format", "json")
    preflight_calls = len(arm.requests)
    arm.requests.clear()
    _, endpoints_s = run("endpoints", "--config", str(stack), "--format", "json")
    endpoints_calls = len(arm.requests)
    units = len(regions) * len(projects)
    return (f"{len(regions)} regions x {len(projects)} projects ({units} workspaces, {units * 3} endpoints, "
            f"+{noise} unrelated workspaces): preflight {preflight_s:.2f} s / {preflight_calls} calls (exit {code}); "
            f"endpoints --config {endpoints_s:.2f} s / {endpoints_calls} calls")


def bench() -> None:
    os.environ["MAAS_ARM_RETRY_BACKOFF"] = "0.01"
    with FakeArmServer() as server, tempfile.TemporaryDirectory() as tmp:
        small = measure(server, Path(tmp), ["eastus2"], ["main"], 0)
        large = measure(server, Path(tmp), list(REGIONS), ["main", "batch", "eval"], 0)
        noisy = measure(server, Path(tmp), list(REGIONS), ["main", "batch", "eval"], 40)
    print(small)
    print(large)
    print(noisy)


if __name__ == "__main__":
    bench()

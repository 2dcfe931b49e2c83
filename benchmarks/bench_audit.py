"""`maas audit` against the loopback fake ARM / Resource Graph: wall time and management calls for
1 x 10 versus 3 x 40 subscriptions x workspaces (each workspace: 3 endpoints, 3 marketplace
subscriptions), through Resource Graph and through the listing fallback (Graph answering 403).

What it shows (docs/architecture.md, Quality bars): through Resource Graph the calls stay flat (1 subscription listing +
1 Graph page per 1,000 rows) as workspaces grow 12x; the fallback costs S + 2 x W. Figures are from
one run on this machine against a fake on loopback, so only ratios mean anything.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "azure"), str(ROOT / "tests" / "audit")]

from provisioning.cli import main  # noqa: E402
from tests.support.audit_fleet import build  # noqa: E402
from tests.support.fake_arm import FakeArmServer  # noqa: E402


def run(*args: str) -> tuple[int, float, dict[str, object]]:
    sys.argv = ["maas", *args]
    out = io.StringIO()
    start = time.perf_counter()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
    elapsed = time.perf_counter() - start
    return code, elapsed, json.loads(out.getvalue() or "{}")


def measure(server: FakeArmServer, subscriptions: int, workspaces: int, graph: str,
            repeat: int = 3) -> dict[str, float]:
    arm = server.arm
    arm.reset()
    os.environ.update(server.env())
    with tempfile.TemporaryDirectory() as tmp:
        fleet = build(arm, Path(tmp), subscriptions, workspaces)
        arm.graph.mode = graph
        best, calls, code, source = float("inf"), 0, 0, ""
        for _ in range(repeat):
            before = len(arm.requests)
            code, wall, doc = run("audit", *fleet.args(), "--format", "json")
            calls = len(arm.requests) - before
            best = min(best, wall)
            source = str(doc.get("source", ""))
    print(f"  {subscriptions} x {workspaces:>2} ({subscriptions * workspaces:>3} workspaces, "
          f"{subscriptions * workspaces * 3:>3} endpoints) {source:<14} {best:6.3f} s  {calls:>4} calls  (exit {code})",
          flush=True)
    return {"wall": best, "calls": calls}


def bench() -> None:
    os.environ["MAAS_ARM_RETRY_BACKOFF"] = "0.01"
    with FakeArmServer() as server:
        print("Resource Graph (one query for all subscriptions):")
        g_small = measure(server, 1, 10, "ok")
        g_large = measure(server, 3, 40, "ok")
        print("listing fallback (Resource Graph answers 403):")
        l_small = measure(server, 1, 10, "forbidden")
        l_large = measure(server, 3, 40, "forbidden")
    print(f"3x40 / 1x10, 12x the workspaces: Resource Graph calls x{g_large['calls'] / g_small['calls']:.1f}, "
          f"wall x{g_large['wall'] / g_small['wall']:.1f}; listing calls x{l_large['calls'] / l_small['calls']:.1f}, "
          f"wall x{l_large['wall'] / l_small['wall']:.1f}")
    print(f"at 3x40, Resource Graph vs listing: {l_large['calls'] / g_large['calls']:.0f}x fewer calls, "
          f"{l_large['wall'] / g_large['wall']:.1f}x faster")


if __name__ == "__main__":
    bench()

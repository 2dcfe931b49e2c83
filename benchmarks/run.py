"""`make bench`: run every benchmarks/bench_*.py in its own process and let each print its figures.

Benchmarks are not tests: they measure (wall time, call counts, ratios within one run) and print;
the quality bars (docs/architecture.md, Quality bars) are read off their output, never asserted by timed tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    selected = set(sys.argv[1:])
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if selected and script.stem.removeprefix("bench_") not in selected:
            continue
        print(f"== {script.stem}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())

"""Waiting for a `maas emulate` process to write its file (inventory, exports): the sign it serves."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any


def wait_for_file(process: subprocess.Popen[Any], path: Path, seconds: float, late: str) -> None:
    """Return once `path` exists; fail with the process's output if it exits first, or with `late`
    when `seconds` pass without the file."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate(timeout=5)
        assert time.monotonic() < deadline, late
        time.sleep(0.05)

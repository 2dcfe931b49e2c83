"""The live view: a progress bar on terminals, one line per endpoint, nothing secret."""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console

from provisioning.verify.checks import Target
from provisioning.verify.dialects import DIALECTS
from provisioning.verify.progress import RichObserver, summary_table
from provisioning.verify.runner import VerifyRun


async def test_progress_on_a_terminal_and_summary_table(hostile: Any, helpers: Any) -> None:
    hostile.set("echo_key")
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    targets = [Target(hostile.endpoint(region=r), DIALECTS["azure"]) for r in ("eastus", "westus")]
    with RichObserver(console) as observer:
        report = await VerifyRun(targets, helpers.options(), observer).execute()
    assert observer._done == 2 and observer._failed == 2
    table = io.StringIO()
    Console(file=table, width=200).print(summary_table(report))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())
    assert "❌ fail eastus/stable-image-core/core-eastus" in text
    assert "text-to-image: schema" in text
    assert "core-westus" in table.getvalue() and "Bearer ****" in table.getvalue()
    helpers.no_key(text, table.getvalue())

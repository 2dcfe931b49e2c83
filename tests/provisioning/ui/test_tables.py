"""Tables keep every cell whole and never draw wider than the terminal (Rich would crop the right edge)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from provisioning.ui.tables import whole_word_table

HEADERS = ["Model", "Target rpm", "Regions x projects", "Role", "Scope"]
ROWS = [
    ["stable-diffusion-3.5-large", "3,000", "6 x 2", "Key Vault Secrets User", "key vault kvkcontosode-eus2-ca7e11"],
    ["stable-image-core", "8,000", "6 x 2", "Reader", "workspace mlw-contoso-dev-main-eus2"],
]


@pytest.mark.parametrize("width", [60, 90, 110, 140, 250])
def test_never_wider_than_the_console_and_no_word_is_cut(width: int) -> None:
    console = Console(file=io.StringIO(), width=width)
    console.print(whole_word_table("t", HEADERS, ROWS, console))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(len(line) for line in text.splitlines()) <= width
    for word in {w for row in ROWS for cell in row for w in cell.split()}:
        assert word in text, f"{word!r} was cut at width {width}"

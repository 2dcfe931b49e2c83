"""Tables that keep names whole: columns wrap between words, never inside a word.

Why: an Azure name broken mid-word (`mlw-contoso-de` / `v-main-eus2`) cannot be read or copied.
Each column is at least as wide as its longest word, so Rich wraps cells at spaces only; when the
terminal is too narrow for that, the rows are shown as blocks of `column: value` lines instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table

_BORDERS_PER_COLUMN = 3  # "│ " + " " per column with Rich's default box and padding


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def whole_word_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                     console: Console) -> RenderableType:
    widths = [max([_longest_word(h) for h in (headers[i],)] + [_longest_word(r[i]) for r in rows])
              for i in range(len(headers))]
    needed = sum(widths) + _BORDERS_PER_COLUMN * len(headers) + 1
    if needed <= console.width:
        table = Table(title=title, title_justify="left")
        for header, width in zip(headers, widths, strict=True):
            table.add_column(header, min_width=width, overflow="fold")
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        return table
    # Too narrow for whole words in a row: one block per row, a line per column.
    stacked = Table(title=title, title_justify="left", show_header=False, show_lines=True)
    stacked.add_column("column", style="bold", no_wrap=True)
    stacked.add_column("value", min_width=min(max(widths), max(console.width - 24, 20)), overflow="fold")
    for row in rows:
        stacked.add_row("\n".join(escape(h) for h in headers), "\n".join(escape(cell) for cell in row))
    return stacked

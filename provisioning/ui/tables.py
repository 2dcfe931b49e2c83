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
    natural = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(len(headers))]
    if needed <= console.width:
        # Rich does not shrink a column below its header's natural width on its own (it crops the table
        # instead), so the widths are set here: every column gets its longest word, and the room left
        # goes to the columns that want more, in proportion to how much more they want.
        slack = console.width - needed
        wants = [full - width for full, width in zip(natural, widths, strict=True)]
        total_want = sum(wants)
        if total_want <= slack:
            chosen = natural
        else:
            chosen = [width + slack * want // total_want for width, want in zip(widths, wants, strict=True)]
        table = Table(title=title, title_justify="left")
        for header, width in zip(headers, chosen, strict=True):
            table.add_column(header, width=width, overflow="fold")
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

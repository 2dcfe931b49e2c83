"""Markdown that cannot be steered by the text it carries: one escape for every report.

Why one, and the strict one: names, tags, server answers and foreign documents (stack exports,
previews) end up in pipeline step summaries and pull-request comments, which GitHub and Azure DevOps
render as HTML. A `|` breaks a table, `<` opens a tag, `*`, `_`, `` ` ``, `[`, `]`, `#` and `~`
restyle or link, `$` opens GitHub's math, a newline ends the row. Every value is escaped the same way whoever wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

# HTML first (so the backslashes added below are not touched), then Markdown's punctuation.
_ESCAPES: Final = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;",
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|", "#": "\\#",
    "~": "\\~", "$": "\\$",
})


def md(text: object) -> str:
    """`text` as inert Markdown on one line: no HTML, no table breaks, no emphasis, links or headings."""
    return " ".join(str(text).translate(_ESCAPES).split())


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A pipe table with every header and cell escaped."""
    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)

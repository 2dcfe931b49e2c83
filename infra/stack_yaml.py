"""Reading a stack file's YAML without letting the file decide how much work that is.

A stack file is small, flat configuration: it never needs anchors or aliases (Pulumi writes none),
nesting deeper than a few levels, or more than a few thousand values. Plain `yaml.safe_load` allows
all three without limit: a 572-byte "billion laughs" alias bomb takes minutes and gigabytes, and deep
nesting ends in a RecursionError traceback. This loader refuses aliases and anchors outright and caps
depth, node count and size, each with one line saying where and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import Node

MAX_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 32
MAX_NODES: Final = 100_000


class StackYamlRefused(yaml.YAMLError):
    """The document uses a YAML feature or a size a stack file never needs; `str()` is one line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message + (f" at line {line}" if line is not None else ""))


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors and aliases and counts depth and nodes as it goes,
    so a hostile document is refused before anything is built from it."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise StackYamlRefused(f"uses the alias *{event.anchor}: aliases are not allowed in a stack file",
                                   _line(event))
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None:
            raise StackYamlRefused(f"uses the anchor &{event.anchor}: anchors are not allowed in a stack file",
                                   _line(event))
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise StackYamlRefused(f"has more than {MAX_NODES} values: not a stack file", _line(event))
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise StackYamlRefused(f"nests deeper than {MAX_DEPTH} levels: not a stack file", _line(event))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_stack_yaml(text: str) -> Any:
    """One YAML document, as `yaml.safe_load` would return it, or StackYamlRefused / yaml.YAMLError."""
    if len(text) > MAX_BYTES:
        raise StackYamlRefused(f"is larger than {MAX_BYTES // 1024} KiB: not a stack file")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_stack_yaml(path: Path) -> Any:
    """The file's document; at most one byte past the size limit is read, so a huge file is refused
    without being loaded. OSError/UnicodeDecodeError as reading raises them."""
    with path.open(encoding="utf-8") as handle:
        return load_stack_yaml(handle.read(MAX_BYTES + 1))

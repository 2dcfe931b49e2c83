"""Where the CLI writes: results on stdout (machine-readable when asked), everything else on stderr.

Why: pipelines pipe `maas ... --format json` into files and jq; progress bars, warnings and error
lines must never corrupt that stream, and every line passes through the secret scrubber.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from typing import Any, NoReturn

from rich.console import Console

from provisioning.errors import ExitCode
from provisioning.redact import REDACTOR


def _width(stream: object) -> int | None:
    """Terminals report their width; pipes and CI logs get a wide default instead of Rich's 80."""
    isatty = getattr(stream, "isatty", None)
    if (isatty is not None and isatty()) or "COLUMNS" in os.environ:
        return None
    return 140


stdout = Console(highlight=False, width=_width(sys.stdout))
stderr = Console(stderr=True, highlight=False, width=_width(sys.stderr))


class OutputFormat(StrEnum):
    """What `--format` can name; each command allows some of them (provisioning/cli/options.py)."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def emit_json(document: Any) -> None:
    """Plain JSON on stdout (no Rich markup, no wrapping), scrubbed of registered secrets."""
    text = json.dumps(document, indent=2, sort_keys=False, default=str)
    sys.stdout.write(REDACTOR.scrub(text) + "\n")
    sys.stdout.flush()
    ERRORS.emitted = True


def emit_text(text: str) -> None:
    sys.stdout.write(REDACTOR.scrub(text) + ("" if text.endswith("\n") else "\n"))
    sys.stdout.flush()


def error_lines(lines: list[str]) -> None:
    for line in lines:
        stderr.print(REDACTOR.scrub(line), markup=False, soft_wrap=True)  # one problem, one line


class _ErrorMode:
    """Whether this run promised JSON on stdout (`--format json`): then every failure also prints
    `{"error": {"message", "fix"}}` there, so a pipeline that parses stdout never gets nothing."""

    json = False
    emitted = False  # a JSON document is already on stdout: a second one would break parsers


ERRORS = _ErrorMode()


def joined(problems: list[str]) -> str:
    """Problem lines as one message: a heading ending in ':' runs into its first item."""
    text = ""
    for line in (p.strip() for p in problems if p.strip()):
        text = line if not text else f"{text} {line}" if text.endswith(":") else f"{text}; {line}"
    return text


def error_document(message: str, fix: str = "") -> dict[str, dict[str, str]]:
    return {"error": {"message": message, "fix": fix}}


def fail(lines: str | list[str], code: ExitCode = ExitCode.BAD_INPUT, fix: str = "") -> NoReturn:
    """Print one line per problem on stderr (and the JSON error when JSON was asked for) and exit
    with `code`, never a traceback."""
    problems = [lines] if isinstance(lines, str) else list(lines)
    shown = [*problems[:-1], f"{problems[-1]} -> {fix}"] if fix and problems else problems
    error_lines(shown)
    if ERRORS.json and not ERRORS.emitted:
        emit_json(error_document(joined(problems), fix))
    raise SystemExit(int(code))

"""A pydantic validation failure of command-line options as one readable line per problem, named the
way the user typed them (`--timeout`, not `timeout_s`; the names are in ui/option_names.py).

The option models of `maas emulate` (EmulatorSettings) and `maas verify` (VerifyOptions) share it, so
both word the same mistake the same way; it lives below the commands so those models need not import
the command layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `maas --help` imports this module: no pydantic at import time
    from pydantic import ValidationError

# Pydantic's wording for bounds and types, rephrased so a CLI user reads "must be at least 0",
# not a type name.
_WORDS: dict[str, str] = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "too_short": "must name at least one value",
    "too_long": "must be at most {max_length} characters",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "extra_forbidden": "is not a setting of the {what}",
}
_NO_INPUT_SHOWN = ("too_short", "extra_forbidden")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return repr(value)


def _context(err: Mapping[str, Any], what: str) -> dict[str, str]:
    values = {k: v if isinstance(v, str) and k == "expected" else _fmt(v) for k, v in (err.get("ctx") or {}).items()}
    return {**values, "what": what}


def validation_lines(exc: ValidationError, names: Mapping[str, str] | None = None, what: str = "command") -> list[str]:
    """One line per problem: `<option>: <value> <what is allowed>`; `names` maps field -> option,
    `what` names the thing the options configure (for unknown ones). A problem of the options
    together (no single field) is labelled `settings`."""
    names = names or {}
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else ""
        label = names.get(field, field) or "settings"
        template = _WORDS.get(err["type"])
        if template is not None:
            message = template.format(**_context(err, what))
            shown = "" if err["type"] in _NO_INPUT_SHOWN else f"{_fmt(err.get('input'))} "
            lines.append(f"{label}: {shown}{message}")
        else:
            lines.append(f"{label}: {err['msg'].removeprefix('Value error, ')}")
    return lines

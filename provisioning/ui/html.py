"""HTML pages from Jinja2 templates with autoescape on: every value is escaped unless a template
says otherwise, so a page cannot forget to escape the one name an attacker controls.

Templates are package data (`<package>/templates/*.html`), so an installed wheel renders the same
pages as a checkout. StrictUndefined: a misspelt variable is an error in the tests, not an empty cell.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@lru_cache(maxsize=8)
def environment(package: str) -> Environment:
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(package: str, template: str, **context: Any) -> str:
    return environment(package).get_template(template).render(**context)

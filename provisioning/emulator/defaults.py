"""The emulator's defaults that the command line shows in its help: plain data, so `maas --help`
can read them without importing pydantic, Starlette or Pillow."""

from __future__ import annotations

from typing import Final

# Two regions: the smallest fleet that still shows region x model (every catalog model is offered
# in both).
DEFAULT_REGIONS: Final[tuple[str, ...]] = ("eastus2", "westus3")
DEFAULT_PROJECTS: Final[tuple[str, ...]] = ("main",)

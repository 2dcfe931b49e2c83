"""Everything that runs outside `pulumi up`: the `maas` CLI, the offline plan, Azure operations,
endpoint verification and the local image-API emulator."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    """The installed distribution's version (pyproject.toml is its one source); a source tree that
    was never installed still answers, with a version that says so."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("maas-fleet")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> str:
    # Looked up on first use: reading package metadata costs more than `maas --help` should pay.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The Pulumi program: load config -> build the fleet -> export outputs. Kept thin on purpose."""

import sys
from pathlib import Path

# Pulumi runs this file with infra/ on sys.path; make the project root importable too, so the
# program works whether or not the package was pip-installed into the virtualenv.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi  # noqa: E402

from infra.config import ConfigError, load_from_pulumi  # noqa: E402
from infra.fleet import build_fleet  # noqa: E402

try:
    config = load_from_pulumi()
except ConfigError as exc:
    # RunError: Pulumi prints the message without a Python traceback.
    raise pulumi.RunError("\n".join(exc.lines())) from None

build_fleet(config).export()

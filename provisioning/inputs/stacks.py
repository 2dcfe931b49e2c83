"""Finding and loading a stack's config for the commands that take `--stack NAME | --config FILE`.

Why one helper: plan, preflight, endpoints and audit all accept the same two ways of naming a stack
and must fail the same way (exit 2, one line) when neither or both are given, or the file is wrong.
"""

from __future__ import annotations

from pathlib import Path

from infra.config import FleetConfig, load_stack_file, stack_file
from provisioning.errors import BadInput


def stack_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("Pulumi.*.yaml") if p.name != "Pulumi.yaml")


def resolve_stack_file(stack: str | None, config_file: Path | None, directory: Path | None = None) -> Path:
    directory = directory or Path.cwd()
    if stack and config_file:
        raise BadInput("give either --stack NAME or --config FILE, not both")
    if config_file:
        return config_file
    if stack:
        path = stack_file(stack, directory)
        if not path.is_file():
            found = ", ".join(p.name[len("Pulumi."):-len(".yaml")] for p in stack_files(directory)) or "none"
            raise BadInput(f"--stack {stack}: no {path.name} in {directory} (stacks here: {found}); "
                           "run from the project directory or use --config FILE")
        return path
    candidates = stack_files(directory)
    if len(candidates) == 1:
        return candidates[0]
    found = ", ".join(p.name for p in candidates) or "no Pulumi.<stack>.yaml files"
    raise BadInput(f"name a stack with --stack NAME or --config FILE (found {found} in {directory})")


def load_config(stack: str | None, config_file: Path | None, directory: Path | None = None) -> FleetConfig:
    """The validated config of the named stack; ConfigError (exit 2) lists every problem."""
    return load_stack_file(resolve_stack_file(stack, config_file, directory))

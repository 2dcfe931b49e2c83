"""The command line is one module per command on one shared app, and `--format` fails one way everywhere."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import provisioning.cli
from provisioning.cli import COMMAND_MODULES, app, main

# Modules of provisioning/cli that hold shared machinery rather than a command.
SHARED = {"__init__", "app", "options", "option_errors", "session", "stack_target"}

# Each command that takes --format, with the arguments it requires otherwise (never reached: the
# bad format is refused while the options are parsed).
FORMAT_COMMANDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("plan",): (),
    ("policy", "check"): ("-",),
    ("preflight",): (),
    ("endpoints",): (),
    ("keys", "show"): ("ep", "-g", "rg", "-w", "ws"),
    ("keys", "rotate"): ("ep", "-g", "rg", "-w", "ws"),
    ("keys", "status"): (),
    ("audit",): (),
    ("capacity",): (),
    ("routes",): (),
    ("loadtest",): ("--model", "stable-image-core", "--rps", "1", "--duration", "1"),
    ("verify",): (),
    ("emulate",): (),
    ("adopt",): ("--out", "import.json"),
}


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Leaf commands by path (Typer's command classes, duck-typed: Typer may vendor its own click)."""
    found: dict[tuple[str, ...], Any] = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found.update(_commands(command, (*prefix, name)))
        else:
            found[(*prefix, name)] = command
    return found


def test_every_command_module_is_listed_and_registers_its_command() -> None:
    on_disk = {p.stem for p in Path(provisioning.cli.__file__).parent.glob("*.py")} - SHARED
    assert set(COMMAND_MODULES) == on_disk
    group = typer.main.get_command(app)
    assert list(group.commands) == ["plan", "preflight", "endpoints", "emulate", "verify", "audit", "capacity",
                                    "routes", "loadtest", "adopt", "policy", "keys"]
    for name in COMMAND_MODULES:
        module = sys.modules[f"provisioning.cli.{name}"]
        callbacks = {c.callback for c in _commands(group).values()}
        assert any(getattr(cb, "__module__", None) == module.__name__ for cb in callbacks), name


def test_the_commands_with_format_are_the_ones_checked_here() -> None:
    group = typer.main.get_command(app)
    with_format = {path for path, command in _commands(group).items()
                   if any("--format" in getattr(p, "opts", []) for p in command.params)}
    assert with_format == set(FORMAT_COMMANDS)


@pytest.mark.parametrize("path", list(FORMAT_COMMANDS), ids=" ".join)
def test_a_bad_format_is_one_line_and_exit_2_under_the_test_runner(path: tuple[str, ...], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stack file here: nothing but the format can be wrong first
    result = CliRunner().invoke(app, [*path, "--format", "xml", *FORMAT_COMMANDS[path]], input="")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("--format 'xml' is not one of table, json"), lines


@pytest.mark.parametrize("path", list(FORMAT_COMMANDS), ids=" ".join)
def test_a_bad_format_is_one_line_and_exit_2_from_the_entry_point(path: tuple[str, ...], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["maas", *path, "--format", "yaml", *FORMAT_COMMANDS[path]])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("--format 'yaml' is not one of table, json"), err


def test_the_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    import provisioning

    assert provisioning.__version__ == version("maas-fleet")
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"maas-fleet {version('maas-fleet')}\n"

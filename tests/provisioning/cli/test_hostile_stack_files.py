"""Every command that reads a stack file refuses a hostile one the same way: exit 2, no traceback,
the problem in one line, before any credential or network is touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from provisioning.cli import app, main
from tests.infra.test_stack_yaml import ALIAS_BOMB, DEEP_FLOW

# Each command that takes --config, with what else it needs.
STACK_FILE_COMMANDS: dict[str, tuple[str, ...]] = {
    "plan": (), "preflight": (), "endpoints": (), "audit": (), "emulate": (), "verify": (), "capacity": (),
    "routes": (), "loadtest": ("--emulate", "--model", "stable-image-core", "--rps", "1", "--duration", "1"),
    "adopt": ("--out", "import.json"),
}


def test_the_list_above_names_every_command_that_takes_a_stack_file() -> None:
    cli = typer.main.get_command(app)
    taking = {name for name, command in cli.commands.items()  # type: ignore[attr-defined]
              if any("--config" in p.opts for p in command.params)}
    assert taking == set(STACK_FILE_COMMANDS)


@pytest.mark.parametrize("command", list(STACK_FILE_COMMANDS))
@pytest.mark.parametrize(("text", "says"), [(ALIAS_BOMB, "anchors are not allowed"), (DEEP_FLOW, "nests deeper")])
def test_hostile_stack_file_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str, text: str,
    says: str,
) -> None:
    monkeypatch.setenv("MAAS_ACCESS_TOKEN", "not-a-token-and-never-used")  # no credential probe either way
    monkeypatch.setenv("MAAS_ARM_ENDPOINT", "https://127.0.0.1:9")  # and nothing reachable
    path = tmp_path / "Pulumi.hostile.yaml"
    path.write_text(text)
    monkeypatch.setattr(sys, "argv", ["maas", command, "--config", str(path), *STACK_FILE_COMMANDS[command]])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert len([line for line in err.splitlines() if says in line]) == 1 and "Traceback" not in err, err


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.hostile.yaml"
    path.write_text(ALIAS_BOMB)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    result = subprocess.run([sys.executable, "-m", "provisioning", "plan", "--config", str(path)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and "anchors are not allowed in a stack file" in result.stderr

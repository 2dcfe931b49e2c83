"""The stack-target option bundle: Typer sees four options, the command gets one StackTarget."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from provisioning.cli.stack_target import StackTarget, stack_target_options


def test_the_four_options_reach_the_command_as_one_target(tmp_path: Path) -> None:
    seen: list[StackTarget] = []
    app = typer.Typer()

    @app.command()
    @stack_target_options
    def probe(name: str, target: StackTarget, flag: bool = False) -> None:
        seen.append(target)
        typer.echo(f"{name} {flag}")

    result = CliRunner().invoke(app, ["ep", "--stack", "dev", "--config", str(tmp_path / "Pulumi.dev.yaml"),
                                      "--subscription", "sub-1", "--arm-endpoint", "https://127.0.0.1:1",
                                      "--flag"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ep True"
    assert seen == [StackTarget("dev", tmp_path / "Pulumi.dev.yaml", "sub-1", "https://127.0.0.1:1")]

    assert CliRunner().invoke(app, ["ep"]).exit_code == 0
    assert seen[-1] == StackTarget()


def test_a_command_without_a_target_parameter_is_refused() -> None:
    def no_target(name: str) -> None:
        """Nothing to gather."""

    with pytest.raises(TypeError, match="no `target: StackTarget` parameter"):
        stack_target_options(no_target)

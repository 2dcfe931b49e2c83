"""The README's quickstart is the product's front door: it must stay exactly two commands that work."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Quickstart section has a sh code block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()]


def test_quickstart_is_exactly_demo_and_test() -> None:
    assert quickstart_commands() == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(), "CI runs what the README tells users to run"


def test_make_demo_as_written_in_a_temporary_clone(tmp_path: Path) -> None:
    """`make demo` in a copy of the checkout: plans the example stack and verifies the emulator, writing
    the four reports. The copy reuses this checkout's .venv (`-o` keeps make from reinstalling it); the
    install step itself is what CI's fresh-clone `make test` proves."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True, timeout=60).stdout.split()
    clone = tmp_path / "clone"
    for name in files:
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    result = subprocess.run(["make", "-o", ".venv/.maas-fleet-installed", *quickstart_commands()[0].split()[1:]],
                            cwd=clone, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Plan for stack dev" in result.stdout
    reports = clone / "reports" / "demo"
    assert {p.name for p in reports.iterdir()} >= {"report.json", "junit.xml", "summary.md", "index.html"}
    # One story: the endpoints verified are the ones the dev stack's plan declares, by region and name.
    from infra.config import load_stack_file

    config = load_stack_file(clone / "Pulumi.dev.yaml")
    planned = {(region, config.namer.endpoint(project, model)) for region, project, model in config.endpoints()}
    report = json.loads((reports / "report.json").read_text())
    assert {(e["region"], e["name"]) for e in report["endpoints"]} == planned
    assert all(name in result.stdout for _, name in planned)


def first_deployment_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Your first real deployment", 1)[1].split("\n## ", 1)[0]


def test_first_deployment_steps_are_in_order_and_exist(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The five steps in the documented order, every `maas` command and option of the section a real
    one (`maas <cmd> --help` lists it), and the policy pack the pulumi steps name on disk."""
    from provisioning.cli import main

    section = first_deployment_section()
    steps = re.findall(r"^\| (\d) \| `([^`]+)` \|", section, re.M)
    assert [(n, c.split()[0] + " " + c.split()[1]) for n, c in steps] == [
        ("1", "maas preflight"), ("2", "pulumi preview"), ("3", "pulumi up"), ("4", "maas verify"), ("5", "maas audit")]
    assert all("--policy-pack policies" in c for n, c in steps if n in ("2", "3"))
    assert (ROOT / "policies" / "PulumiPolicy.yaml").is_file()
    for command in sorted({c for c in re.findall(r"`(maas [^`]+)`", section)}):
        words = command.split()
        name = words[1]
        options = [w for w in words[2:] if w.startswith("--")]
        monkeypatch.setattr(sys, "argv", ["maas", name, "--help"])
        with pytest.raises(SystemExit) as done:
            main()
        out = capsys.readouterr().out
        assert done.value.code == 0, command
        for option in options:
            assert option in out, f"{command}: {option} is not an option of maas {name}"


def test_the_access_model_lists_every_action_key_rotation_checks() -> None:
    from infra.catalog import KEY_ROTATION_PERMISSIONS

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Access model", 1)[1].split("\n## ", 1)[0]
    for actions in KEY_ROTATION_PERMISSIONS.values():
        for action in actions:
            assert f"`{action}`" in section and f'"{action}"' in section, action

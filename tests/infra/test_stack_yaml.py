"""Hostile stack files: alias bombs, deep nesting, huge files are refused in one line, quickly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.config import ConfigError, load_stack_file
from infra.stack_yaml import MAX_BYTES, MAX_DEPTH, StackYamlRefused, load_stack_yaml

# The classic "billion laughs" in YAML: 9 levels of 9 aliases each, ~600 bytes, 387 million strings
# when expanded (what plain yaml.safe_load does, for minutes and gigabytes).
ALIAS_BOMB = "\n".join(
    ['config:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"  {c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"
DEEP_FLOW = "config:\n  maas-fleet:tags: " + "[" * 50_000 + "]" * 50_000 + "\n"
DEEP_BLOCK = "config:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * 40 + "v: 1\n"


def test_plain_stack_yaml_loads_like_safe_load() -> None:
    text = "config:\n  maas-fleet:prefix: acme\n  maas-fleet:regions: [eastus, westus3]\n  maas-fleet:tags: {a: b}\n"
    assert load_stack_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(("text", "says"), [
    (ALIAS_BOMB, "uses the anchor &a: anchors are not allowed in a stack file at line 2"),
    ("config:\n  x: *nowhere\n", "uses the alias *nowhere: aliases are not allowed"),
    ("config:\n  base: &base {a: 1}\n  other: {<<: *base}\n", "anchor &base"),
    (DEEP_FLOW, f"nests deeper than {MAX_DEPTH} levels"),
    (DEEP_BLOCK, f"nests deeper than {MAX_DEPTH} levels"),
    ("config:\n  x: [" + "1," * 100_001 + "1]\n", "has more than 100000 values"),
    ("#" * (MAX_BYTES + 1), "is larger than 1024 KiB"),
])
def test_hostile_documents_are_refused_in_one_line(text: str, says: str) -> None:
    with pytest.raises(StackYamlRefused) as caught:
        load_stack_yaml(text)
    assert says in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text", [ALIAS_BOMB, DEEP_FLOW, DEEP_BLOCK])
def test_load_stack_file_turns_them_into_config_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_stack_file(path)
    (problem,) = caught.value.problems
    assert problem.field == "file" and "not allowed" in str(problem) or "nests deeper" in str(problem)


def test_a_huge_file_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.huge.yaml"
    with path.open("w") as handle:
        handle.write("config:\n")
        handle.write("# padding\n" * (MAX_BYTES // 5))
    with pytest.raises(ConfigError, match="larger than 1024 KiB"):
        load_stack_file(path)

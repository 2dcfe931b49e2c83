"""The inventory every `maas verify` run starts from: one line per problem, keys never echoed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from provisioning.errors import BadInput
from provisioning.inputs.inventory import load_inventory, parse_inventory, write_inventory

GOOD = {"region": "eastus2", "model": "stable-image-core", "name": "acme-dev-main-core",
        "uri": "https://acme-dev-main-core-abcde.eastus2.models.ai.azure.com", "key": "k3y-Value_0123456789"}


def problems(entries: object) -> list[str]:
    with pytest.raises(BadInput) as info:
        parse_inventory(entries, "inv.json")
    return info.value.problems


def test_accepts_the_list_or_the_stack_output_object() -> None:
    assert parse_inventory([GOOD], "x")[0].name == GOOD["name"]
    assert parse_inventory({"endpoints": [GOOD], "workspaces": []}, "x")[0].key is not None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"key": "[secret]"}, "endpoints[0].key is masked; save the stack output with `pulumi stack output"),
        ({"key": "SECRETPART1\nSECRETPART2"}, "endpoints[0].key is not a usable key"),
        ({"key": "clé-non-ascii-123456"}, "endpoints[0].key is not a usable key"),
        # Printable, but not what Azure issues: characters that every report format would escape.
        ({"key": "SECRETPART1<&>%22SECRETPART2"}, "endpoints[0].key does not have the shape of an Azure endpoint "
                                                  "key (16-256 characters of A-Z a-z 0-9 + / = _ -"),
        ({"key": "SECRETPART1"}, "endpoints[0].key does not have the shape"),  # too short
        ({"uri": "http://example.com"}, "plain http to a non-loopback host"),
        ({"model": "dall-e"}, "is not a catalog model slug"),
        ({"name": None}, "endpoints[0].name"),
    ],
)
def test_each_bad_field_is_one_line_without_the_key(change: dict, expected: str) -> None:
    lines = problems([{**GOOD, **change}])
    assert any(expected in line for line in lines), lines
    for secret in ("SECRETPART1", "SECRETPART2", "clé-non-ascii"):
        assert all(secret not in line for line in lines)


@pytest.mark.parametrize(("content", "message"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"endpoints": [', "not valid JSON"),
    (None, "no such file"),
], ids=["deep", "broken", "missing"])
def test_a_malformed_file_is_refused_in_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "inventory.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BadInput, match=message):
        load_inventory(path)


def test_an_empty_endpoint_list_is_refused() -> None:
    assert problems({"endpoints": []}) == ["inv.json: the endpoints list is empty"]


def test_written_inventory_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "inv.json"
    write_inventory(path, parse_inventory([GOOD], "x"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["endpoints"][0]["key"] == GOOD["key"]
    assert load_inventory(path)[0].key.get_secret_value() == GOOD["key"]  # type: ignore[union-attr]


@pytest.mark.parametrize("key", [
    "a" * 32,                                  # 32 alphanumerics, as serverless endpoints issue them
    "0123456789abcdef0123456789ABCDEF",        # hex
    "Zm9vYmFyYmF6cXV4+/==" + "A" * 68,         # base64 (88 characters)
    "x" * 84,                                  # 84-character base62
    "tok_en-with_url-safe-alphabet",           # base64url
])
def test_keys_of_every_shape_azure_issues_are_accepted(key: str) -> None:
    (endpoint,) = parse_inventory([{**GOOD, "key": key}], "x")
    assert endpoint.key is not None and endpoint.key.get_secret_value() == key


"""A record's JSON document: camelCase keys in field order, and only the stated departures from its fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

import pytest

from provisioning.camel_document import camel_document


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Record:
    resource_group: str
    colours: tuple[Colour, ...]
    latency_ms: float
    internal: str = "not in the document"
    secret_paths: tuple[str, ...] = ()


def test_fields_in_order_under_camel_case_keys_with_plain_values() -> None:
    document = camel_document(Record("rg", (Colour.RED,), 1.26, secret_paths=("a.b",)), omit=("internal",))
    assert list(document) == ["resourceGroup", "colours", "latencyMs", "secretPaths"]
    assert document == {"resourceGroup": "rg", "colours": ["red"], "latencyMs": 1.26, "secretPaths": ["a.b"]}
    assert type(document["colours"][0]) is str  # YAML and JSON writers see plain data
    assert json.loads(json.dumps(document)) == document


def test_renamed_keys_and_shaped_values_keep_their_place() -> None:
    document = camel_document(Record("rg", (), 1.26), omit=("internal",), keys={"secret_paths": "secretInputs"},
                              values={"latency_ms": lambda ms: round(ms, 1)})
    assert list(document) == ["resourceGroup", "colours", "latencyMs", "secretInputs"]
    assert document["latencyMs"] == 1.3


@pytest.mark.parametrize("option", ["omit", "keys", "values"])
def test_a_field_that_is_not_there_is_refused(option: str) -> None:
    named = {"omit": ("renamed_away",), "keys": {"renamed_away": "x"}, "values": {"renamed_away": str}}[option]
    with pytest.raises(ValueError, match="Record has no field renamed_away"):
        camel_document(Record("rg", (), 1.0), **{option: named})  # type: ignore[arg-type]

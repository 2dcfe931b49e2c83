"""A record's JSON document: each dataclass field under its camelCase name, in field order.

Why one function: the commands' JSON documents (`maas plan`, `endpoints`, `audit`, `capacity`,
`routes`, `loadtest`) name almost every key after a field of the record they print. Written out by
hand, each document repeats its record's field list and a new field is easy to forget or to spell
differently; here a document states only where it departs from its fields: the fields it leaves
out, the keys not named after their field, and the values it shapes (rounding, nested documents).
The camelCasing is pydantic's, the same the stack config's keys use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import fields
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic.alias_generators import to_camel

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def camel_document(
    record: DataclassInstance,
    *,
    omit: Collection[str] = (),
    keys: Mapping[str, str] | None = None,
    values: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """`record`'s fields as `{camelCaseName: value}` in field order, without those in `omit`;
    `keys` names a field's key when it is not its camelCased name, `values` shapes a field's value.
    Otherwise tuples become lists and enums their value: what JSON (and YAML) can hold."""
    keys = keys or {}
    values = values or {}
    names = _camel_names(type(record))
    unknown = {*omit, *keys, *values}.difference(names)
    if unknown:  # a renamed field must not silently drop out of (or into) a contract
        raise ValueError(f"{type(record).__name__} has no field {', '.join(sorted(unknown))}")
    document: dict[str, Any] = {}
    for name, camel in names.items():
        if name in omit:
            continue
        value = getattr(record, name)
        shape = values.get(name)
        document[keys.get(name, camel)] = shape(value) if shape is not None else _plain(value)
    return document


@cache
def _camel_names(record_type: type[DataclassInstance]) -> dict[str, str]:
    """Field name -> camelCase key, once per record type (an audit writes one document per cell)."""
    return {f.name: to_camel(f.name) for f in fields(record_type)}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value

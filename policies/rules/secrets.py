"""Rules about secrets: endpoint keys appear only as Pulumi secrets, in inputs, Key Vault secret
values and stack outputs. A key found in clear is reported by where it is, never by what it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from infra.resource_types import KEY_VAULT_SECRET, STACK
from policies.engine import ANY_TYPE, Finding, Rule
from policies.props import MISSING, dig, format_path, is_secret, is_type, walk
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

# Field names that hold an endpoint key wherever they appear, and ones that do only in stack outputs
# (the `endpoints` output has `key`; elsewhere `key` often names a tag or a setting).
_KEY_FIELDS: Final = frozenset(
    {"primarykey", "secondarykey", "apikey", "endpointkey", "accesskey", "authkey", "authorizationkey"}
)
_STACK_KEY_FIELDS: Final = _KEY_FIELDS | {"key", "keys"}

_M = Severity.MANDATORY

def _field_name(path: tuple[str | int, ...]) -> str | None:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None


def _is_reference(value: str) -> bool:
    """A Key Vault reference or URI points at a key; it is not one."""
    v = value.strip().lower()
    return v.startswith("@microsoft.keyvault(") or (v.startswith("https://") and ".vault." in v)


def _keys_as_secrets(record: ResourceRecord) -> Iterator[Finding]:
    if not record.secrets_visible:
        return
    if is_type(record, KEY_VAULT_SECRET):
        value = dig(record.properties, "properties.value")
        if value not in (MISSING, None, "") and not is_secret(record, "properties.value"):
            yield Finding(
                record.name,
                f"{label(record)} sets properties.value from a plain value (not a Pulumi secret); the key would "
                "be written in clear to the state file and to previews (value withheld)",
                "pass the key as a secret (list_serverless_endpoint_keys_output keys are secret; otherwise wrap "
                "it in pulumi.Output.secret)",
            )
    stack = is_type(record, STACK)
    fields = _STACK_KEY_FIELDS if stack else _KEY_FIELDS
    for path, value in walk(record.properties):
        field = _field_name(path)
        if field is None or field.lower() not in fields:
            continue
        if not isinstance(value, str) or not value.strip() or _is_reference(value):
            continue
        if is_secret(record, path):
            continue
        where = "stack output" if stack else "input"
        yield Finding(
            record.name,
            f"{where} {format_path(path)!r} of {label(record)} carries an endpoint key in clear (value withheld)",
            "export keys only as Pulumi secrets (pulumi.Output.secret or additional_secret_outputs), or export "
            "the Key Vault secret URI instead of the key",
        )


KEYS_ONLY_AS_SECRETS: Final = Rule(
    "keys-only-as-secrets", _M,
    "Endpoint keys appear only as Pulumi secrets: Key Vault secret values, stack outputs and inputs.",
    "wrap keys in pulumi.Output.secret; export Key Vault secret URIs", (ANY_TYPE,),
    resource_check=_keys_as_secrets, needs_secret_markers=True,
)

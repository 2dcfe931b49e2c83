"""Rules about secrets: endpoint keys appear only as Pulumi secrets, in inputs, Key Vault secret
values and stack outputs. A key found in clear is reported by where it is, never by what it is.

Stack outputs are named by whoever writes the program, in any style: a clear value whose name ends in
key, secret, token or password (`coreKey`, `sd35_key`, `ultra-api-key`, `primaryKeys`) is a
violation; a clear value shaped like a key under any other name is worth a look (advisory).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from infra.resource_types import KEY_VAULT_SECRET, STACK
from policies.engine import ANY_TYPE, Finding, resource_rule
from policies.props import MISSING, dig, format_path, is_secret, is_type, walk
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

# Field names that hold an endpoint key wherever they appear, and ones that do only in stack outputs
# (the `endpoints` output has `key`; elsewhere `key` often names a tag or a setting).
_KEY_FIELDS: Final = frozenset(
    {"primarykey", "secondarykey", "apikey", "endpointkey", "accesskey", "authkey", "authorizationkey"}
)
_STACK_KEY_FIELDS: Final = _KEY_FIELDS | {"key", "keys"}
# The last word of an output's name that says it holds a credential, in any naming style.
_SECRET_WORDS: Final = frozenset(
    {"key", "keys", "secret", "secrets", "token", "tokens", "password", "passwords", "passwd", "pwd",
     "apikey", "apikeys"}
)
_WORDS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# What an endpoint key looks like: a long run of letters and digits (hex or base62), or base64.
_KEY_SHAPES: Final = (re.compile(r"[A-Za-z0-9]{32,128}"), re.compile(r"[A-Za-z0-9+/]{40,128}={0,2}"))

_M = Severity.MANDATORY
_A = Severity.ADVISORY


def _field_name(path: tuple[str | int, ...]) -> str | None:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None


def name_says_secret(name: str) -> bool:
    """`coreKey`, `sd35_key`, `ultra-api-key`, `primaryKeys`, `ACCESS_TOKEN`: yes. `keyVault`,
    `keySecretUri`, `tokenCount`: no — the last word decides."""
    words = _WORDS.findall(name)
    return bool(words) and words[-1].lower() in _SECRET_WORDS or name.lower() in _STACK_KEY_FIELDS


def shaped_like_key(value: str) -> bool:
    v = value.strip()
    return (any(p.fullmatch(v) for p in _KEY_SHAPES) and any(c.isdigit() for c in v)
            and any(c.isalpha() for c in v))


def _is_reference(value: str) -> bool:
    """A Key Vault reference or URI points at a key; it is not one."""
    v = value.strip().lower()
    return v.startswith("@microsoft.keyvault(") or (v.startswith("https://") and ".vault." in v)


@resource_rule(
    "keys-only-as-secrets", _M, (ANY_TYPE,),
    "Endpoint keys appear only as Pulumi secrets: Key Vault secret values, stack outputs and inputs.",
    fix="wrap keys in pulumi.Output.secret; export Key Vault secret URIs",
    needs_secret_markers=True,
)
def keys_only_as_secrets(record: ResourceRecord) -> Iterator[Finding]:
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
    for path, value in walk(record.properties):
        field = _field_name(path)
        if field is None or not (name_says_secret(field) if stack else field.lower() in _KEY_FIELDS):
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


@resource_rule(
    "key-shaped-output-in-clear", _A, (STACK,),
    "A stack output shaped like an endpoint key, under a name that does not say so, is a Pulumi secret.",
    fix="export keys only as Pulumi secrets",
    needs_secret_markers=True,
)
def key_shaped_outputs(record: ResourceRecord) -> Iterator[Finding]:
    if not record.secrets_visible or not is_type(record, STACK):
        return
    for path, value in walk(record.properties):
        field = _field_name(path)
        if field is not None and name_says_secret(field):
            continue  # the mandatory rule's business
        if not isinstance(value, str) or _is_reference(value) or not shaped_like_key(value):
            continue
        if is_secret(record, path):
            continue
        yield Finding(
            record.name,
            f"stack output {format_path(path)!r} of {label(record)} is shaped like an endpoint key and is not a "
            "Pulumi secret (value withheld)",
            "if it is a key, export it as a Pulumi secret (or the Key Vault secret URI); if not, ignore this",
        )

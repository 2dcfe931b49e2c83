"""The endpoint inventory: the stack's `endpoints` output shape (docs/architecture.md, Contracts), read and written
here.

Producers: `pulumi stack output --json --show-secrets`, `maas endpoints --inventory-out`,
`maas emulate --inventory-out`. Consumer: `maas verify`. One model, so a field renamed in one
place cannot silently break the others; keys are `SecretStr` and are registered with the
redactor the moment they are read.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from infra.catalog import MODELS
from provisioning.errors import BadInput
from provisioning.private_files import write_private_file
from provisioning.redact import REDACTOR

Dialect = Literal["azure", "hosted"]
# What tools print in place of a secret: Pulumi's `[secret]` (an output saved without
# --show-secrets), other bracketed placeholders, runs of asterisks (CI log masking) and previews such
# as `****abcd` (provisioning.redact.mask). Sent as keys they would only produce 401s.
_MASK_WORDS = frozenset({"[secret]", "[secure]", "[redacted]", "<redacted>", "redacted", "[hidden]", "<secret>"})
_MASK_PREVIEW_VISIBLE = 4
# What an endpoint key looks like. The REST spec types `primaryKey`/`secondaryKey` as plain strings
# (its listKeys example says "string"); keys seen from serverless endpoints are 32 alphanumerics, and
# Azure's other data-plane keys are hex, base64 (88 characters) or 84-character base62. Accepted: the
# documented superset of those alphabets and lengths. Anything else is not a key Azure issued: most
# likely a paste error, and a value with quotes, `<`, `&` or `%` would change under the escaping of
# every report format (one more reason to refuse it here, at the boundary).
KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9+/=_-]{16,256}")
KEY_SHAPE_TEXT: Final = "16-256 characters of A-Z a-z 0-9 + / = _ -"


def is_masked_key(value: str) -> bool:
    """True when `value` is what a tool prints instead of a key, not a key."""
    text = value.strip()
    if text.lower() in _MASK_WORDS:
        return True
    masked = len(text) - len(text.lstrip("*"))
    return masked >= 3 and len(text) - masked <= _MASK_PREVIEW_VISIBLE


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class InventoryEndpoint(BaseModel):
    """One deployed (or emulated) endpoint, as the stack output describes it."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    region: str
    project: str = "main"
    model: str  # catalog slug
    name: str
    uri: str  # target URL without the route
    workspace: str = ""
    resource_group: str = Field(default="", alias="resourceGroup")
    key_secret_uri: str = Field(default="", alias="keySecretUri")
    key: SecretStr | None = None
    dialect: Dialect | None = None  # None: the verifier's --dialect decides
    # Set by the emulator on what it serves (and kept in `maas emulate --inventory-out` files), so every
    # report made from it says so; absent for real endpoints.
    emulated: bool | None = None
    # `Disabled` when the unit has private networking (stack output): it answers only inside its network.
    public_network_access: str = Field(default="", alias="publicNetworkAccess")

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value not in MODELS:
            raise ValueError(f"{value!r} is not a catalog model slug (allowed: {', '.join(MODELS)})")
        return value

    @field_validator("key")
    @classmethod
    def _usable_key(cls, value: SecretStr | None) -> SecretStr | None:
        """A key travels in an HTTP header: printable ASCII without spaces, or it is not a key (and
        an HTTP library's error about it would quote it). Never echo the value in the message."""
        if value is None:
            return None
        text = value.get_secret_value()
        REDACTOR.add(text)
        if is_masked_key(text):
            raise ValueError("is masked; save the stack output with `pulumi stack output --json --show-secrets`")
        if not text or not all(33 <= ord(ch) <= 126 for ch in text):
            raise ValueError("is not a usable key (printable ASCII without spaces expected; value withheld)")
        if not KEY_PATTERN.fullmatch(text):
            raise ValueError(f"does not have the shape of an Azure endpoint key ({KEY_SHAPE_TEXT} expected; "
                             "value withheld)")
        return value

    @field_validator("uri")
    @classmethod
    def _safe_uri(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError(f"{value!r} uses plain http to a non-loopback host; keys only travel over https")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(f"{value!r} must not carry a query, fragment or credentials")
        return value.rstrip("/")

    def model_post_init(self, _context: Any) -> None:
        if self.key is not None:
            REDACTOR.add(self.key.get_secret_value())

    def public_dict(self) -> dict[str, Any]:
        """The entry without its key: what reports and logs may show."""
        return self.model_dump(by_alias=True, exclude={"key"}, exclude_none=True)

    def inventory_dict(self) -> dict[str, Any]:
        """The entry with its key in clear, for an inventory file (written 0600)."""
        data = self.public_dict()
        if self.key is not None:
            data["key"] = self.key.get_secret_value()
        return data


def masked_keys_line(source: str, indexes: list[int]) -> str:
    """One line for every masked key (a saved output without --show-secrets masks them all)."""
    shown = ", ".join(f"endpoints[{i}].key" for i in indexes[:3]) + (", ..." if len(indexes) > 3 else "")
    what = f"{shown} is masked" if len(indexes) == 1 else f"the keys of {len(indexes)} endpoints are masked ({shown})"
    return f"{source}: {what}; save the stack output with `pulumi stack output --json --show-secrets`"


def parse_inventory(document: Any, source: str = "inventory") -> list[InventoryEndpoint]:
    """Accept the `endpoints` list itself or an object holding it under `endpoints`
    (what `pulumi stack output --json --show-secrets` prints). One problem per line."""
    if isinstance(document, Mapping):
        if "endpoints" not in document:
            raise BadInput(f"{source}: no 'endpoints' list at the top level")
        document = document["endpoints"]
    if not isinstance(document, list):
        raise BadInput(f"{source}: 'endpoints' must be a list of endpoint objects")
    problems: list[str] = []
    masked: list[int] = []
    endpoints: list[InventoryEndpoint] = []
    for i, item in enumerate(document):
        if not isinstance(item, Mapping):
            problems.append(f"{source}: endpoints[{i}] is not an object")
            continue
        try:
            endpoints.append(InventoryEndpoint.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                field = ".".join(str(p) for p in err["loc"]) or "entry"
                message = err["msg"].removeprefix("Value error, ")
                if field == "key" and message.startswith("is masked"):
                    masked.append(i)  # one line for all of them: the cause and the fix are the same
                    continue
                if err["type"] == "missing":
                    message = "is required"
                problems.append(f"{source}: endpoints[{i}].{field} {message}")
    if masked:
        problems.append(masked_keys_line(source, masked))
    if not problems and not endpoints and not masked:
        problems.append(f"{source}: the endpoints list is empty")
    if problems:
        raise BadInput(problems)
    return endpoints


def load_inventory(path: str | Path) -> list[InventoryEndpoint]:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{source}: cannot be read ({exc.__class__.__name__})") from None
    try:
        return parse_inventory(json.loads(text), source)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise BadInput(f"{source}: JSON nested too deeply to be an inventory") from None


def write_inventory(path: str | Path, endpoints: Iterable[InventoryEndpoint], option: str = "--inventory-out") -> None:
    """Write `{"endpoints": [...]}` with keys as a new owner-only file (0600 from the first byte),
    renamed into place: never through a symbolic link, never into another user's file, never half."""
    data = json.dumps({"endpoints": [e.inventory_dict() for e in endpoints]}, indent=2) + "\n"
    write_private_file(Path(path), data.encode(), option)

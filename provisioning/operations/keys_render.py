"""How `keys show` and `keys rotate` results read: masked unless the caller asked to reveal them."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from provisioning.operations.keys_model import Keys, RotationResult
from provisioning.redact import mask


def keys_document(keys: Keys, *, name: str, resource_group: str, workspace: str, reveal: bool) -> dict[str, Any]:
    primary, secondary = keys.primary.get_secret_value(), keys.secondary.get_secret_value()
    shown = (primary, secondary) if reveal else (mask(primary), mask(secondary))
    return {"name": name, "resourceGroup": resource_group, "workspace": workspace,
            "primaryKey": shown[0], "secondaryKey": shown[1], "revealed": reveal}


def write_revealed(document: dict[str, Any], *, as_json: bool) -> None:
    """Keys asked for in clear: written straight to stdout, bypassing the scrubber for exactly this document."""
    text = json.dumps(document, indent=2) if as_json else (
        f"primary   {document['primaryKey']}\nsecondary {document['secondaryKey']}")
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def print_masked(document: dict[str, Any], out: Console) -> None:
    out.print(f"endpoint {document['name']} (workspace {document['workspace']}, resource group "
              f"{document['resourceGroup']})", markup=False)
    out.print(f"primary   {document['primaryKey']}\nsecondary {document['secondaryKey']}", markup=False)


def print_rotation(result: RotationResult, name: str, out: Console) -> None:
    doc = result.document()
    vault = doc["keyVaultSecret"]
    out.print(f"rotated {name}: {len(result.steps)} step(s); primary {doc['primaryKey']}, secondary "
              f"{doc['secondaryKey']}", markup=False)
    if vault:
        out.print(f"Key Vault secret {result.secret.name if result.secret else ''} holds the {vault['holds']} "
                  "key", markup=False)

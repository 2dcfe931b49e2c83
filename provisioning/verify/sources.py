"""Where the endpoints to verify come from: an inventory file, a Pulumi stack's outputs, or the
local emulator; and the checks that make an inventory usable for verification.

`--stack` shells out to `pulumi stack output --json --show-secrets` (the CLI owns the backend
login and secrets provider; we do not reimplement either). Its stdout holds keys: it is parsed in
memory, never echoed, and error text from Pulumi is scrubbed before it is shown.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from infra.catalog import HOSTED_SD35_LARGE
from provisioning.errors import BadInput
from provisioning.inputs.inventory import (
    InventoryEndpoint,
    is_masked_key,
    load_inventory,
    masked_keys_line,
    parse_inventory,
)
from provisioning.redact import REDACTOR
from provisioning.verify.checks import Target
from provisioning.verify.dialects import DIALECTS
from provisioning.verify.options import VerifyOptions

PULUMI_TIMEOUT_S = 120
INSTALL_HINT = "install it (https://www.pulumi.com/docs/iac/download-install/) or pass --inventory FILE"
SHOW_SECRETS_HINT = "save the stack output with `pulumi stack output --json --show-secrets`"
def from_file(path: str | Path) -> list[InventoryEndpoint]:
    return load_inventory(path)


def exposure_warning(path: str | Path, endpoints: Sequence[InventoryEndpoint]) -> str | None:
    """A warning when an inventory holding keys can be read by every user of the machine."""
    if not any(e.key is not None for e in endpoints):
        return None
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return None
    if not mode & stat.S_IROTH:
        return None
    return (f"warning: {path} holds endpoint keys and is readable by every user of this machine "
            f"(mode {stat.S_IMODE(mode):04o}); run `chmod 600 {path}` (maas writes inventories 0600)")


def from_stack(stack: str, pulumi: str | None = None, *, keys: bool = True) -> list[InventoryEndpoint]:
    """The stack's `endpoints` output, keys included, through the Pulumi CLI. `keys=False` does not ask
    Pulumi for secrets at all (routing tables need none) and drops the masked placeholders."""
    exe = pulumi or shutil.which("pulumi")
    if exe is None:
        raise BadInput(f"--stack {stack}: the pulumi CLI is not on PATH; {INSTALL_HINT}")
    command = [exe, "stack", "output", "--json", *(["--show-secrets"] if keys else []), "--stack", stack]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PULUMI_TIMEOUT_S, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise BadInput(f"--stack {stack}: `pulumi stack output` did not finish in {PULUMI_TIMEOUT_S}s") from None
    except OSError as exc:
        raise BadInput(f"--stack {stack}: cannot run pulumi ({type(exc).__name__}); {INSTALL_HINT}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        said = REDACTOR.scrub(" | ".join(tail)) or "no message"
        raise BadInput(f"--stack {stack}: `pulumi stack output` failed (exit {done.returncode}): {said}")
    try:
        document = json.loads(done.stdout)
    except (ValueError, RecursionError):
        raise BadInput(f"--stack {stack}: `pulumi stack output --json` did not print JSON") from None
    if not keys and isinstance(document, dict) and isinstance(document.get("endpoints"), list):
        document = {"endpoints": [{k: v for k, v in e.items() if k != "key"} if isinstance(e, dict) else e
                                  for e in document["endpoints"]]}
    return parse_inventory(document, f"stack {stack}")


def targets_for(endpoints: Sequence[InventoryEndpoint], options: VerifyOptions) -> list[Target]:
    """What verification needs beyond a well-formed inventory: a key per endpoint, the hosted
    dialect only for the model it offers, no endpoint twice. Every problem, one line each."""
    problems: list[str] = []
    masked: list[int] = []
    targets: list[Target] = []
    uris = Counter(e.uri for e in endpoints)
    for i, endpoint in enumerate(endpoints):
        where = f"endpoints[{i}] ({endpoint.name})"
        dialect = endpoint.dialect or options.dialect
        key = "" if endpoint.key is None else endpoint.key.get_secret_value()
        if not key.strip():
            problems.append(
                f"{where}: no key; verification needs keys (`pulumi stack output --json --show-secrets`, "
                "`maas endpoints --inventory-out`, or `maas emulate --inventory-out`)"
            )
        elif is_masked_key(key):
            # The placeholder is not quoted: it was registered as a secret and would print as a mask.
            masked.append(i)
        if dialect == "hosted" and endpoint.model != HOSTED_SD35_LARGE.model:
            problems.append(f"{where}: the hosted dialect serves only {HOSTED_SD35_LARGE.model}, not {endpoint.model}")
        if uris[endpoint.uri] > 1:
            problems.append(f"{where}: uri {endpoint.uri} appears {uris[endpoint.uri]} times in the inventory")
        targets.append(Target(endpoint, DIALECTS[dialect]))
    if masked:  # one line for all of them: the cause and the fix are the same
        problems.insert(0, masked_keys_line("inventory", masked))
    if problems:
        raise BadInput(problems)
    return targets

"""`maas keys show|rotate`: an endpoint's keys, masked unless --reveal, and their rotation with Key Vault."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import (
    ArmEndpoint,
    Config,
    EndpointName,
    Region,
    ResourceGroup,
    Stack,
    Subscription,
    TableOrJson,
    Workspace,
)
from provisioning.cli.session import azure_session, say

keys_app = typer.Typer(help="Show or rotate serverless endpoint keys (masked unless --reveal).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _address(name: str, resource_group: str | None, workspace: str | None, stack: str | None,
             config: Path | None, region: str | None) -> tuple[str, str, Any]:
    """(resource group, workspace, stack config or None): explicit flags win; otherwise the stack decides.
    Checked before any credential is built: bad input fails fast."""
    from infra.naming import ENDPOINT_RULE, RULES
    from provisioning.errors import BadInput
    from provisioning.inputs.stacks import load_config
    from provisioning.operations.endpoint_address import resolve_endpoint

    problems = [p for p in (ENDPOINT_RULE.problem(name),) if p]
    explicit = resource_group is not None and workspace is not None
    if (resource_group is None) != (workspace is None):
        problems.append("give both --resource-group and --workspace, or neither and name the stack with --stack "
                        "NAME / --config FILE")
    if explicit:
        assert resource_group is not None and workspace is not None
        problems += [p for p in (RULES["resource group"].problem(resource_group),
                                 RULES["machine learning workspace"].problem(workspace)) if p]
    if problems:
        raise BadInput(problems)
    try:
        fleet = load_config(stack, config) if (stack or config or not explicit) else None
    except BadInput as exc:
        if stack or config:
            raise
        raise BadInput(f"{exc.lines()[0]}; or give the endpoint's --resource-group and --workspace") from None
    if explicit:
        assert resource_group is not None and workspace is not None
        return resource_group, workspace, fleet
    assert fleet is not None
    found = resolve_endpoint(fleet, name, region)
    return found.resource_group, found.workspace, fleet


def _endpoint_ref(name: str, resource_group: str, workspace: str, subscription: str | None, fleet: Any,
                  session: Any) -> Any:
    from provisioning.operations.keys import EndpointRef

    resolved = session.resolve_subscriptions([subscription] if subscription else [], fleet)[0]
    if resolved.note:
        say(resolved.note)
    return EndpointRef(resolved.id, resource_group, workspace, name)


@keys_app.command("show")
def keys_show_command(
    name: EndpointName,
    stack: Stack = None,
    config: Config = None,
    region: Region = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the keys in clear (default: masked).")] = False,
    output: TableOrJson = "table",
) -> None:
    """Show an endpoint's keys, masked unless --reveal. The endpoint is found from --stack / --config, or
    from --resource-group and --workspace."""
    from provisioning.operations.keys import show_keys
    from provisioning.operations.keys_render import keys_document, print_masked, write_revealed
    from provisioning.ui.console import emit_json, stdout

    rg, ws, fleet = _address(name, resource_group, workspace, stack, config, region)
    with azure_session(arm_endpoint) as session:
        ref = _endpoint_ref(name, rg, ws, subscription, fleet, session)
        keys = show_keys(session, ref)
    document = keys_document(keys, name=name, resource_group=rg, workspace=ws, reveal=reveal)
    if reveal:
        write_revealed(document, as_json=output == "json")
    elif output == "json":
        emit_json(document)
    else:
        print_masked(document, stdout)
        say("keys are masked; add --reveal to print them")


@keys_app.command("rotate")
def keys_rotate_command(
    name: EndpointName,
    stack: Stack = None,
    config: Config = None,
    region: Region = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
    key: Annotated[str | None, typer.Option("--key", metavar="KEY", help=(
        "primary (the default) or secondary: regenerate this one key. If consumers use it (the Key Vault "
        "secret holds it), the other key is regenerated and the vault moved to it first."))] = None,
    both: Annotated[bool, typer.Option("--both", help=(
        "Regenerate both keys: the secondary, move Key Vault to it, then the primary and move Key Vault back. "
        "Cannot be combined with --key."))] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=(
        "Say what the rotation would do (reads the endpoint, Key Vault secret and your permissions); change "
        "nothing."))] = False,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    regenerate_timeout: Annotated[float, typer.Option(
        "--regenerate-timeout", min=1, metavar="SECONDS",
        help="Deadline for the rotation's Azure calls: regenerations, their polling, retries and Retry-After "
             "pauses (the grace wait is not counted).")] = 300.0,
    grace: Annotated[str | None, typer.Option(
        "--grace", metavar="DURATION",
        help="Wait after moving Key Vault to the other key, before regenerating the key consumers held "
             "(e.g. 90s, 10m, 1h; default 6m: one consumer refresh interval of 5 minutes plus a minute).")] = None,
    no_grace: Annotated[bool, typer.Option(
        "--no-grace", help="Do not wait: consumers still holding the old key are cut off at once.")] = False,
    output: TableOrJson = "table",
) -> None:
    """Regenerate endpoint keys and update the Key Vault secret the program created. The endpoint is found
    from --stack / --config, or from --resource-group and --workspace."""
    from provisioning.operations.keys import DEFAULT_GRACE_S, KeyKind, Rotation, parse_duration, rotate_keys
    from provisioning.operations.keys_render import print_rotation
    from provisioning.ui.console import emit_json, stdout

    if key is not None and key.lower() not in ("primary", "secondary"):
        reject(f"--key {key!r} is not one of: primary, secondary")
    if grace is not None and no_grace:
        reject("use either --grace DURATION or --no-grace, not both")
    grace_s = 0.0 if no_grace else (DEFAULT_GRACE_S if grace is None else parse_duration(grace))
    kind = KeyKind(key.lower()) if key else None
    rg, ws, fleet = _address(name, resource_group, workspace, stack, config, region)
    with azure_session(arm_endpoint) as session:
        ref = _endpoint_ref(name, rg, ws, subscription, fleet, session)
        if dry_run:
            rotation = Rotation(session, ref, key=kind, both=both, timeout=regenerate_timeout, grace=grace_s,
                                say=say)
            try:
                rotation.prepare()  # reads only: your permissions, workspace, Key Vault secret, endpoint
            finally:
                rotation.close()
            steps = rotation.plan()
            _print_dry_run(name, steps, rotation.result, as_json=output == "json")
            return
        result = rotate_keys(session, ref, key=kind, both=both, timeout=regenerate_timeout, grace=grace_s, say=say)
    if output == "json":
        emit_json(result.document())
    else:
        print_rotation(result, name, stdout)
    for line in result.aftermath():  # stderr, in every format: the stack output may now be stale
        say(f"note: {line}")


def _print_dry_run(name: str, steps: list[tuple[str, Any]], result: Any, *, as_json: bool) -> None:
    from provisioning.ui.console import emit_json, stdout

    secret = result.secret
    vault = secret.name if secret is not None else None

    def words(action: str, kind: Any) -> str:
        if action == "regenerate":
            return f"regenerate the {kind} key"
        if action == "store":
            return f"point Key Vault secret {vault} at the new {kind} key"
        return f"wait the --grace period before regenerating the {kind} key consumers held"

    if as_json:
        emit_json({"dryRun": True, "endpoint": name, "keyVaultSecret": vault,
                   "steps": [{"action": a, "key": str(k), "description": words(a, k)} for a, k in steps],
                   "warnings": list(result.warnings)})
        return
    stdout.print(f"dry run: rotating {name} would, in order (nothing was changed):", markup=False)
    for i, (action, kind) in enumerate(steps, 1):
        stdout.print(f"  {i}. {words(action, kind)}", markup=False)
    for warning in result.warnings:
        say(f"warning: {warning}")

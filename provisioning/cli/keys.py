"""`maas keys show|rotate`: an endpoint's keys, masked unless --reveal, and their rotation with Key Vault."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import ArmEndpoint, EndpointName, ResourceGroup, Subscription, TableOrJson, Workspace
from provisioning.cli.session import azure_session, say

keys_app = typer.Typer(help="Show or rotate serverless endpoint keys (masked unless --reveal).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _endpoint_ref(name: str, resource_group: str, workspace: str, subscription: str | None, session: Any) -> Any:
    from infra.naming import ENDPOINT_RULE, RULES
    from provisioning.errors import BadInput
    from provisioning.operations.keys import EndpointRef

    problems = [p for p in (ENDPOINT_RULE.problem(name), RULES["resource group"].problem(resource_group),
                            RULES["machine learning workspace"].problem(workspace)) if p]
    if problems:
        raise BadInput(problems)
    resolved = session.resolve_subscriptions([subscription] if subscription else [], None)[0]
    if resolved.note:
        say(resolved.note)
    return EndpointRef(resolved.id, resource_group, workspace, name)


@keys_app.command("show")
def keys_show_command(
    name: EndpointName,
    resource_group: ResourceGroup,
    workspace: Workspace,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the keys in clear (default: masked).")] = False,
    output: TableOrJson = "table",
) -> None:
    """Show an endpoint's keys, masked unless --reveal."""
    from provisioning.operations.keys import show_keys
    from provisioning.operations.keys_render import keys_document, print_masked, write_revealed
    from provisioning.ui.console import emit_json, stdout

    with azure_session(arm_endpoint) as session:
        ref = _endpoint_ref(name, resource_group, workspace, subscription, session)
        keys = show_keys(session, ref)
    document = keys_document(keys, name=name, resource_group=resource_group, workspace=workspace, reveal=reveal)
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
    resource_group: ResourceGroup,
    workspace: Workspace,
    key: Annotated[str | None, typer.Option("--key", metavar="KEY", help="primary (default) or secondary.")] = None,
    both: Annotated[bool, typer.Option("--both", help="Two-step rotation: secondary, vault, primary, vault.")] = False,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, metavar="SECONDS",
        help="Deadline for the rotation's Azure calls, retries and Retry-After pauses included (the grace "
             "wait is not counted).")] = 300.0,
    grace: Annotated[str | None, typer.Option(
        "--grace", metavar="DURATION",
        help="Wait after moving Key Vault to the other key, before regenerating the key consumers held "
             "(e.g. 90s, 10m, 1h; default 6m: one consumer refresh interval of 5 minutes plus a minute).")] = None,
    no_grace: Annotated[bool, typer.Option(
        "--no-grace", help="Do not wait: consumers still holding the old key are cut off at once.")] = False,
    output: TableOrJson = "table",
) -> None:
    """Regenerate endpoint keys and update the Key Vault secret the program created."""
    from provisioning.operations.keys import DEFAULT_GRACE_S, KeyKind, parse_duration, rotate_keys
    from provisioning.operations.keys_render import print_rotation
    from provisioning.ui.console import emit_json, stdout

    if key is not None and key.lower() not in ("primary", "secondary"):
        reject(f"--key {key!r} is not one of: primary, secondary")
    if grace is not None and no_grace:
        reject("use either --grace DURATION or --no-grace, not both")
    grace_s = 0.0 if no_grace else (DEFAULT_GRACE_S if grace is None else parse_duration(grace))
    kind = KeyKind(key.lower()) if key else None
    with azure_session(arm_endpoint) as session:
        ref = _endpoint_ref(name, resource_group, workspace, subscription, session)
        result = rotate_keys(session, ref, key=kind, both=both, timeout=timeout, grace=grace_s, say=say)
    if output == "json":
        emit_json(result.document())
    else:
        print_rotation(result, name, stdout)
    for line in result.aftermath():  # stderr, in every format: the stack output may now be stale
        say(f"note: {line}")

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
    ResourceGroup,
    Stack,
    Subscription,
    TableOrJson,
    Workspace,
)
from provisioning.cli.session import azure_session, say, stack_config

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
    name: Annotated[str | None, typer.Argument(metavar="NAME", help="Serverless endpoint name (not with --all).")
                    ] = None,
    resource_group: Annotated[str | None, typer.Option(
        "--resource-group", "-g", metavar="NAME", help="Resource group of the workspace.")] = None,
    workspace: Annotated[str | None, typer.Option(
        "--workspace", "-w", metavar="NAME", help="Azure ML workspace holding the endpoint.")] = None,
    key: Annotated[str | None, typer.Option("--key", metavar="KEY", help="primary (default) or secondary.")] = None,
    both: Annotated[bool, typer.Option("--both", help="Two-step rotation: secondary, vault, primary, vault.")] = False,
    stack: Stack = None,
    config: Config = None,
    all_endpoints: Annotated[bool, typer.Option(
        "--all", help="Every endpoint of --stack/--config, one after another, both keys (as --both).")] = False,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, metavar="SECONDS", help="Seconds to wait per key regeneration.")] = 300.0,
    grace: Annotated[str, typer.Option(
        "--grace", metavar="DURATION",
        help="Wait after moving Key Vault to the other key, for consumers: seconds, or 90s, 10m, 1h.")] = "0",
    output: TableOrJson = "table",
) -> None:
    """Regenerate endpoint keys and update the Key Vault secret the program created.

    One endpoint: NAME -g RG -w WS. Every endpoint of a stack: --stack NAME --all (exit 1 when any
    endpoint did not finish; the report says where each one stopped).
    """
    from provisioning.operations.keys import KeyKind, rotate_keys
    from provisioning.operations.keys_render import print_rotation
    from provisioning.ui.console import emit_json, stdout

    grace_s = parse_duration(grace, "--grace")
    if all_endpoints or stack or config:
        _rotate_stack(name, resource_group, workspace, key, stack, config, all_endpoints, subscription,
                      arm_endpoint, timeout, grace_s, output)
        return
    missing = [what for what, value in (("NAME", name), ("--resource-group", resource_group),
                                        ("--workspace", workspace)) if not value]
    if missing:
        reject(f"give {', '.join(missing)} for one endpoint, or --stack NAME --all for every endpoint of a stack")
    assert name is not None and resource_group is not None and workspace is not None
    if key is not None and key.lower() not in ("primary", "secondary"):
        reject(f"--key {key!r} is not one of: primary, secondary")
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


_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str, option: str) -> float:
    """Seconds from `90`, `90s`, `10m`, `1h` (also `1.5h`); one line, exit 2, for anything else."""
    import re

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", value.lower())
    if not found:
        reject(f"{option} {value!r} is not a duration >= 0 (seconds, or a number followed by s, m or h: 90s, 10m, 1h)")
    return float(found.group(1)) * _UNITS[found.group(2)]


def _rotate_stack(name: str | None, resource_group: str | None, workspace: str | None, key: str | None,
                  stack: str | None, config: Path | None, all_endpoints: bool, subscription: str | None,
                  arm_endpoint: str | None, timeout: float, grace: float, output: str) -> None:
    """`--stack NAME --all`: every endpoint the stack declares, with progress, a summary, and where
    each unfinished one stopped."""
    from provisioning.operations.planned import planned_fleet
    from provisioning.operations.rotate_all import rotate_all
    from provisioning.ui.console import emit_json, stdout

    problems = []
    if not all_endpoints:
        problems.append("--stack/--config rotate a whole stack: add --all (or give NAME -g RG -w WS for one endpoint)")
    given = [what for what, value in (("NAME", name), ("--resource-group", resource_group),
                                      ("--workspace", workspace), ("--key", key)) if value]
    if given:
        problems.append(f"--all rotates both keys of every endpoint of the stack: drop {', '.join(given)}")
    if problems:
        reject(problems)
    fleet = stack_config(stack, config, required=True)  # bad input fails before any credential or network
    assert fleet is not None
    with azure_session(arm_endpoint) as session:
        resolved = session.resolve_subscriptions([subscription] if subscription else [], fleet)[0]
        if resolved.note:
            say(resolved.note)
        planned = planned_fleet(fleet, resolved.id)
        say(f"rotating both keys of {len(planned.endpoints)} endpoint(s) of stack {fleet.stack}, one after another"
            + (f", {grace:g} s grace each" if grace else ""))
        result = rotate_all(session, resolved.id, planned.endpoints, stack=fleet.stack, grace=grace,
                            timeout=timeout, say=say)
    if output == "json":
        emit_json(result.document())
    else:
        for entry in result.endpoints:
            doc = entry.document()
            holds = f", vault holds the {doc['keyVaultSecret']['holds']} key" if doc["keyVaultSecret"] else ""
            stdout.print(f"{doc['status']:<12} {doc['endpoint']} ({doc['region']}){holds}", markup=False)
    say(result.summary_line())
    for line in result.unfinished_lines():
        say(line)
    if any(e.result and any(s.key == "primary" and s.action == "regenerate" for s in e.result.steps)
           for e in result.endpoints):
        say("note: the stack output endpoints[].key holds the old primary keys until the next `pulumi up`; consumers "
            "that read the Key Vault secret URI already have the new ones")
    raise typer.Exit(result.exit_code)


@keys_app.command("status")
def keys_status_command(
    stack: Stack = None,
    config: Config = None,
    subscription: Subscription = None,
    arm_endpoint: ArmEndpoint = None,
    output: TableOrJson = "table",
) -> None:
    """Age and expiry of every endpoint key of a stack (Key Vault secret metadata, never a value).

    Exit 0 every key ok, 1 any key expiring, expired or missing, 2 bad input.
    """
    from provisioning.operations.key_status import key_statuses
    from provisioning.operations.key_status_render import counts_line, key_status_table
    from provisioning.operations.planned import planned_fleet
    from provisioning.ui.console import emit_json, stdout

    fleet = stack_config(stack, config, required=True)  # bad input fails before any credential or network
    assert fleet is not None
    with azure_session(arm_endpoint) as session:
        resolved = session.resolve_subscriptions([subscription] if subscription else [], fleet)[0]
        if resolved.note:
            say(resolved.note)
        planned = planned_fleet(fleet, resolved.id)
        report = key_statuses(session, resolved.id, planned.endpoints, stack=fleet.stack)
    if output == "json":
        emit_json(report.document())
    else:
        stdout.print(key_status_table(report))
    for error in report.errors:
        say(f"error: {error}")
    say(counts_line(report))
    raise typer.Exit(report.exit_code)

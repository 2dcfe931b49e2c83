"""`maas keys show|rotate`: an endpoint's keys, masked unless --reveal, and their rotation with Key Vault."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from provisioning.cli.app import app
from provisioning.cli.option_errors import reject
from provisioning.cli.options import EndpointName, Region, ResourceGroup, TableOrJson, Workspace
from provisioning.cli.session import emit, say
from provisioning.cli.stack_target import StackTarget, stack_target_options

keys_app = typer.Typer(help="Show or rotate serverless endpoint keys (masked unless --reveal).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _address(name: str, resource_group: str | None, workspace: str | None, target: StackTarget,
             region: str | None) -> tuple[str, str, Any]:
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
        fleet = load_config(target.stack, target.config) if (target.stack or target.config or not explicit) else None
    except BadInput as exc:
        if target.stack or target.config:
            raise
        raise BadInput(f"{exc.lines()[0]}; or give the endpoint's --resource-group and --workspace") from None
    if explicit:
        assert resource_group is not None and workspace is not None
        return resource_group, workspace, fleet
    assert fleet is not None
    found = resolve_endpoint(fleet, name, region)
    return found.resource_group, found.workspace, fleet


def _endpoint_ref(name: str, resource_group: str, workspace: str, target: StackTarget, fleet: Any,
                  session: Any) -> Any:
    from provisioning.operations.keys_model import EndpointRef

    return EndpointRef(target.subscription_in(session, fleet).id, resource_group, workspace, name)


@keys_app.command("show")
@stack_target_options
def keys_show_command(
    name: EndpointName,
    target: StackTarget,
    region: Region = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the keys in clear (default: masked).")] = False,
    output: TableOrJson = "table",
) -> None:
    """Show an endpoint's keys, masked unless --reveal. The endpoint is found from --stack / --config, or
    from --resource-group and --workspace."""
    from provisioning.operations.keys import show_keys
    from provisioning.operations.keys_render import keys_document, print_masked, write_revealed
    from provisioning.ui.console import emit_json, stdout

    rg, ws, fleet = _address(name, resource_group, workspace, target, region)
    with target.azure() as session:
        ref = _endpoint_ref(name, rg, ws, target, fleet, session)
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
@stack_target_options
def keys_rotate_command(
    name: Annotated[str | None, typer.Argument(
        metavar="ENDPOINT", help="Serverless endpoint name (not with --all).")] = None,
    *,
    target: StackTarget,
    region: Region = None,
    resource_group: ResourceGroup = None,
    workspace: Workspace = None,
    key: Annotated[str | None, typer.Option("--key", metavar="KEY", help=(
        "primary (the default) or secondary: regenerate this one key. If consumers use it (the Key Vault "
        "secret holds it), the other key is regenerated and the vault moved to it first."))] = None,
    both: Annotated[bool, typer.Option("--both", help=(
        "Regenerate both keys: the secondary, move Key Vault to it, then the primary and move Key Vault back. "
        "Cannot be combined with --key."))] = False,
    all_endpoints: Annotated[bool, typer.Option(
        "--all", help="Every endpoint of --stack / --config, one after another, both keys (as --both).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=(
        "Say what the rotation would do (reads the endpoint, Key Vault secret and your permissions); change "
        "nothing."))] = False,
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
    from --stack / --config, or from --resource-group and --workspace. With --stack / --config and --all,
    every endpoint of the stack (exit 1 when any did not finish; the report says where each one stopped)."""
    from provisioning.operations.keys import Rotation
    from provisioning.operations.keys_model import DEFAULT_GRACE_S, KeyKind, parse_duration
    from provisioning.operations.keys_render import print_rotation
    from provisioning.ui.console import emit_json, stdout

    if key is not None and key.lower() not in ("primary", "secondary"):
        reject(f"--key {key!r} is not one of: primary, secondary")
    if grace is not None and no_grace:
        reject("use either --grace DURATION or --no-grace, not both")
    grace_s = 0.0 if no_grace else (DEFAULT_GRACE_S if grace is None else parse_duration(grace))
    if all_endpoints:
        given = [what for what, value in (("ENDPOINT", name), ("--region", region),
                                          ("--resource-group", resource_group), ("--workspace", workspace),
                                          ("--key", key), ("--dry-run", dry_run)) if value]
        if given:
            reject(f"--all rotates both keys of every endpoint of the stack: drop {', '.join(given)}")
        _rotate_stack(target, regenerate_timeout, grace_s, output)
        return
    if name is None:
        reject("name the endpoint (ENDPOINT with --stack NAME, or with --resource-group and --workspace), or "
               "rotate every endpoint of a stack with --stack NAME --all")
    kind = KeyKind(key.lower()) if key else None
    rg, ws, fleet = _address(name, resource_group, workspace, target, region)
    with target.azure() as session:
        ref = _endpoint_ref(name, rg, ws, target, fleet, session)
        secret_id = _planned_secret(fleet, ref) if fleet is not None else ""
        if dry_run:
            rotation = Rotation(session, ref, key=kind, both=both, timeout=regenerate_timeout, grace=grace_s,
                                say=say, secret_id=secret_id)
            try:
                rotation.prepare()  # reads only: your permissions, workspace, Key Vault secret, endpoint
            finally:
                rotation.close()
            steps = rotation.plan()
            _print_dry_run(name, steps, rotation.result, as_json=output == "json")
            return
        result = Rotation(session, ref, key=kind, both=both, timeout=regenerate_timeout, grace=grace_s, say=say,
                          secret_id=secret_id).run()
    if output == "json":
        emit_json(result.document())
    else:
        print_rotation(result, name, stdout)
    for line in result.aftermath():  # stderr, in every format: the stack output may now be stale
        say(f"note: {line}")


def _planned_secret(fleet: Any, ref: Any) -> str:
    """Where the program keeps this endpoint's key (its unit's keys vault), from the stack's plan; ""
    when the stack does not declare the endpoint (then the workspace's own vault is looked at)."""
    from provisioning.operations.planned import planned_fleet

    wanted = (ref.resource_group.lower(), ref.workspace.lower(), ref.name.lower())
    for p in planned_fleet(fleet, ref.subscription).endpoints:
        if (p.resource_group.lower(), p.workspace.lower(), p.name.lower()) == wanted and p.secret is not None:
            return p.secret_id(ref.subscription)
    return ""


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


def _rotate_stack(target: StackTarget, timeout: float, grace: float, output: str) -> None:
    """`--stack NAME --all`: every endpoint the stack declares, with progress, a summary, and where
    each unfinished one stopped."""
    from provisioning.operations.planned import planned_fleet
    from provisioning.operations.rotate_all import rotate_all
    from provisioning.ui.console import emit_json, stdout

    with target.open() as opened:
        fleet, subscription = opened.fleet, opened.subscription.id
        planned = planned_fleet(fleet, subscription)
        say(f"rotating both keys of {len(planned.endpoints)} endpoint(s) of stack {fleet.stack}, one after another"
            + (f", {grace:g} s grace each" if grace else ""))
        result = rotate_all(opened.session, subscription, planned.endpoints, stack=fleet.stack, grace=grace,
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
@stack_target_options
def keys_status_command(
    target: StackTarget,
    output: TableOrJson = "table",
) -> None:
    """Age and expiry of every endpoint key of a stack (Key Vault secret metadata, never a value).

    Exit 0 every key ok, 1 any key expiring, expired or missing, 2 bad input.
    """
    from provisioning.operations.key_status import key_statuses
    from provisioning.operations.key_status_render import counts_line, key_status_table
    from provisioning.operations.planned import planned_fleet

    with target.open() as opened:
        planned = planned_fleet(opened.fleet, opened.subscription.id)
        report = key_statuses(opened.session, opened.subscription.id, planned.endpoints, stack=opened.fleet.stack)
    emit(output, report.document(), key_status_table(report), report.errors)
    say(counts_line(report))
    raise typer.Exit(report.exit_code)

"""`maas`: the command line of maas-fleet (DESIGN §10 is its contract; keep it stable).

Commands stay thin: parse options, call the module that does the work, render the result and
choose the exit code. Heavy imports (Pulumi, azure-ai-ml) happen inside commands, so `maas --help`
stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from provisioning import __version__
from provisioning.errors import BadInput, ExitCode, MaasError
from provisioning.ui.console import error_lines

if TYPE_CHECKING:
    from infra.config import FleetConfig

app = typer.Typer(
    name="maas",
    help="Roll out Stability AI serverless endpoints on Azure ML, plan offline, verify every endpoint.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"maas-fleet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """maas-fleet command line."""


# --------------------------------------------------------------------------------------------------
# plan (offline)
# --------------------------------------------------------------------------------------------------

@app.command("plan")
def plan_command(
    stack: str | None = typer.Option(None, "--stack", help="Stack name: reads Pulumi.<NAME>.yaml here."),
    config_file: Path | None = typer.Option(None, "--config", help="A Pulumi.<stack>.yaml file.", dir_okay=False),
    output_format: str = typer.Option("table", "--format", help="table, json or markdown."),
) -> None:
    """Plan the fleet offline: run the Pulumi program under mocks and apply the policy rules.

    No credentials, no network. Exit 0 clean, 1 on mandatory policy violations, 2 on invalid config.
    """
    from provisioning.inputs.stacks import load_config
    from provisioning.ui.console import OutputFormat, check_format

    check_format(output_format, (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.MARKDOWN))
    config = load_config(stack, config_file)  # before the heavy imports: bad input fails fast

    from provisioning.plan import render as plan_render
    from provisioning.plan.program import plan
    from provisioning.ui.console import emit_json, emit_text, stdout

    result = plan(config)
    if output_format == "json":
        emit_json(result.to_json())
    elif output_format == "markdown":
        emit_text(plan_render.to_markdown(result))
    else:
        plan_render.print_table(result, stdout)
    if result.mandatory_violations:
        raise typer.Exit(int(ExitCode.FAILED))


# --------------------------------------------------------------------------------------------------
# Policy rules over stacks deployed elsewhere: `maas policy check FILE` (policies/, DESIGN §5, §10)
# --------------------------------------------------------------------------------------------------

policy_app = typer.Typer(
    help="Run the maas-fleet policy rules on Pulumi documents.", no_args_is_help=True, add_completion=False
)
app.add_typer(policy_app, name="policy")


@policy_app.command("check")
def policy_check(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A `pulumi stack export` or `pulumi preview --json` document; '-' reads stdin."
        ),
    ],
    output_format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
) -> None:
    """Check a stack export or a preview against the policy rules (exit 1 on mandatory violations)."""
    import sys

    from provisioning.policy_check import check_text, render_markdown, render_table
    from provisioning.ui.console import OutputFormat, check_format, emit_json, emit_text, fail, stderr, stdout

    try:
        chosen = check_format(output_format, (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.MARKDOWN))
    except BadInput as exc:
        fail(exc.lines())
    source = "<stdin>" if file == "-" else file
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{source}: no such file")
    except IsADirectoryError:
        fail(f"{source}: is a directory, expected a JSON document")
    except UnicodeDecodeError:
        fail(f"{source}: not UTF-8 text, expected a JSON document")
    except OSError as exc:
        fail(f"{source}: cannot read it ({exc.strerror})")
    try:
        report = check_text(raw, source)
    except BadInput as exc:
        fail(exc.lines())
    if chosen is OutputFormat.JSON:
        emit_json(report.as_dict())
    elif chosen is OutputFormat.MARKDOWN:
        emit_text(render_markdown(report))
    else:
        stdout.print(render_table(report))
        for note in report.notes:
            stderr.print(f"note: {note}", markup=False)
    raise typer.Exit(int(report.exit_code))


# ==================================================================================================
# Azure operations: preflight, endpoints, keys (provisioning/azure/session.py builds every client)
# ==================================================================================================

_SUBSCRIPTION_HELP = ("Subscription id. Default: the stack's azure-native:subscriptionId, else AZURE_SUBSCRIPTION_ID / "
                      "ARM_SUBSCRIPTION_ID, else the credential's first enabled subscription.")
_SUBSCRIPTIONS_HELP = _SUBSCRIPTION_HELP + " Repeatable."
_ARM_ENDPOINT_HELP = "Management endpoint (sovereign clouds); default MAAS_ARM_ENDPOINT or https://management.azure.com."


def _table_or_json(value: str) -> str:
    from provisioning.ui.console import OutputFormat, check_format

    return check_format(value, (OutputFormat.TABLE, OutputFormat.JSON)).value


def _output_file_problem(path: Path, option: str, *, create_parents: bool = False, regular: bool = False) -> str | None:
    """Why `path` cannot take an output file, checked before any Azure call (None when it can).

    A run that lists every endpoint and fetches every key must not end in a traceback because the
    file it was asked to write cannot be written.
    """
    import os

    where = f"{option} {path}"
    if path.is_dir():
        return f"{where}: is a directory; name a file"
    if path.exists():
        if regular and not path.is_file():
            return f"{where}: not a regular file; name a file"
        return None if os.access(path, os.W_OK) else f"{where}: the file is not writable"
    directory = path.parent
    if create_parents:  # the command creates missing directories: the nearest existing one decides
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent
    elif not directory.exists():
        return f"{where}: directory {directory} does not exist"
    if not directory.is_dir():
        return f"{where}: {directory} is not a directory"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"{where}: directory {directory} is not writable"
    return None


def _write_failed(path: Path, option: str, exc: OSError, lost: str) -> BadInput:
    """One line for a write that failed after the work was done (never the content: it may hold keys)."""
    reason = exc.strerror or exc.__class__.__name__
    return BadInput(f"{option} {path}: cannot write it ({reason}); {lost}")


def _azure_stack_config(stack: str | None, config: Path | None, required: bool) -> FleetConfig | None:
    """Preflight needs a stack (--stack, --config, or the only Pulumi.<stack>.yaml here); endpoints
    only narrows to one when asked."""
    from provisioning.inputs.stacks import load_config

    if not required and not stack and not config:
        return None
    return load_config(stack, config)


@contextmanager
def _azure_session(arm_endpoint: str | None) -> Iterator[Any]:
    """An AzureSession whose SDK exceptions all leave as one readable line (and the right exit code)."""
    from provisioning.azure.errors import azure_errors
    from provisioning.azure.session import open_session

    with open_session(arm_endpoint) as session, azure_errors(session.settings.arm_endpoint):
        yield session


def _say(line: str) -> None:
    from provisioning.ui.console import error_lines

    error_lines([line])


@app.command("preflight")
def preflight_command(
    stack: Annotated[str | None, typer.Option("--stack", help="Stack name: reads Pulumi.<stack>.yaml.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Path of a Pulumi.<stack>.yaml file.")] = None,
    subscription: Annotated[str | None, typer.Option("--subscription", help=_SUBSCRIPTION_HELP)] = None,
    arm_endpoint: Annotated[str | None, typer.Option("--arm-endpoint", help=_ARM_ENDPOINT_HELP)] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Register missing resource providers and wait for them.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for registration.")] = 300.0,
    output: Annotated[str, typer.Option("--format", callback=_table_or_json, help="table or json.")] = "table",
) -> None:
    """Check credential, subscription, providers, permissions, regions and endpoint names before `pulumi up`."""
    from provisioning.operations.preflight import Check, Status, run_preflight
    from provisioning.ui.console import emit_json, stdout

    fleet = _azure_stack_config(stack, config, required=True)
    assert fleet is not None
    marks = {Status.PASS: "[green]✔ pass [/]", Status.FAIL: "[red]✘ fail [/]", Status.FIXED: "[yellow]✔ fixed[/]"}

    def live(check: Check) -> None:
        from rich.markup import escape

        from provisioning.redact import REDACTOR

        line = f"{marks[check.status]} [bold]{escape(check.name)}[/]: {escape(REDACTOR.scrub(check.detail))}"
        if check.fix:
            line += f" [dim]->[/] fix: {escape(REDACTOR.scrub(check.fix))}"
        stdout.print(line, soft_wrap=True)  # one line per check, however long

    with _azure_session(arm_endpoint) as session:
        resolved = session.resolve_subscriptions([subscription] if subscription else [], fleet)[0]
        if resolved.note:
            _say(resolved.note)
        report = run_preflight(session, fleet, resolved, fix=fix, timeout=timeout,
                               on_check=live if output == "table" else None)
    if output == "json":
        emit_json(report.document())
    else:
        counts = {s: sum(1 for c in report.checks if c.status is s) for s in Status}
        _say(f"{counts[Status.PASS]} passed, {counts[Status.FIXED]} fixed, {counts[Status.FAIL]} failed")
    raise typer.Exit(int(report.exit_code))


@app.command("endpoints")
def endpoints_command(
    stack: Annotated[str | None, typer.Option("--stack", help="Only this stack's workspaces.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Only the workspaces of this stack file.")] = None,
    subscription: Annotated[list[str] | None, typer.Option("--subscription", help=_SUBSCRIPTIONS_HELP)] = None,
    arm_endpoint: Annotated[str | None, typer.Option("--arm-endpoint", help=_ARM_ENDPOINT_HELP)] = None,
    output: Annotated[str, typer.Option("--format", callback=_table_or_json, help="table or json.")] = "table",
    inventory_out: Annotated[Path | None, typer.Option(
        "--inventory-out", help="Also write an inventory WITH keys for `maas verify` (mode 0600).")] = None,
) -> None:
    """List the serverless endpoints that exist in Azure."""
    from rich.table import Table

    from provisioning.inputs.inventory import write_inventory
    from provisioning.operations.endpoints import list_endpoints, list_workspaces, stack_workspaces, to_inventory
    from provisioning.ui.console import emit_json, stdout

    if inventory_out is not None:
        problem = _output_file_problem(inventory_out, "--inventory-out", regular=True)
        if problem:
            raise BadInput(problem)
    fleet = _azure_stack_config(stack, config, required=False)
    with _azure_session(arm_endpoint) as session:
        resolved = session.resolve_subscriptions(subscription or [], fleet)
        for sub in resolved:
            if sub.note:
                _say(sub.note)
        if fleet is not None:
            workspaces = [ws for sub in resolved for ws in stack_workspaces(fleet, sub.id)]
        else:
            workspaces = [ws for sub in resolved for ws in list_workspaces(session, sub.id)]
        listing = list_endpoints(session, workspaces, skip_missing=fleet is not None)
        entries, skipped = (to_inventory(session, listing.endpoints) if inventory_out is not None else ([], []))
    if output == "json":
        emit_json({"endpoints": [e.document() for e in listing.endpoints]})
    else:
        table = Table(title=f"{len(listing.endpoints)} serverless endpoint(s) in {listing.workspaces} workspace(s)")
        columns = ["name", "region", "workspace", "resource group", "model", "state", "content safety", "uri"]
        if len(resolved) > 1:
            columns.insert(1, "subscription")
        for column in columns:
            table.add_column(column, overflow="fold")
        for e in listing.endpoints:
            row = [e.name, e.region, e.workspace, e.resource_group, e.model, e.provisioning_state, e.content_safety,
                   e.uri]
            if len(resolved) > 1:
                row.insert(1, e.subscription)
            table.add_row(*row)
        stdout.print(table)
    if listing.missing_workspaces:
        _say(f"{len(listing.missing_workspaces)} of the stack's {listing.workspaces} workspace(s) do not exist yet: "
             + ", ".join(ws.name for ws in listing.missing_workspaces))
    for line in skipped:
        _say(f"not in the inventory: {line}")
    if inventory_out is not None:
        existed = inventory_out.exists()
        try:
            write_inventory(inventory_out, entries)
        except OSError as exc:
            if not existed:  # no half-written file of keys left behind
                inventory_out.unlink(missing_ok=True)
            raise _write_failed(inventory_out, "--inventory-out", exc, "the endpoints above were listed, no "
                                "inventory was written") from None
        _say(f"wrote {len(entries)} endpoint(s) with keys to {inventory_out} (mode 0600)")
    for error in listing.errors:
        _say(str(error))
    raise typer.Exit(1 if listing.errors else 0)


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
        _say(resolved.note)
    return EndpointRef(resolved.id, resource_group, workspace, name)


@keys_app.command("show")
def keys_show_command(
    name: Annotated[str, typer.Argument(help="Serverless endpoint name.")],
    resource_group: Annotated[str, typer.Option("--resource-group", "-g", help="Resource group of the workspace.")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Azure ML workspace holding the endpoint.")],
    subscription: Annotated[str | None, typer.Option("--subscription", help=_SUBSCRIPTION_HELP)] = None,
    arm_endpoint: Annotated[str | None, typer.Option("--arm-endpoint", help=_ARM_ENDPOINT_HELP)] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the keys in clear (default: masked).")] = False,
    output: Annotated[str, typer.Option("--format", callback=_table_or_json, help="table or json.")] = "table",
) -> None:
    """Show an endpoint's keys, masked unless --reveal."""
    import json
    import sys

    from provisioning.operations.keys import show_keys
    from provisioning.redact import mask
    from provisioning.ui.console import emit_json, stdout

    with _azure_session(arm_endpoint) as session:
        ref = _endpoint_ref(name, resource_group, workspace, subscription, session)
        keys = show_keys(session, ref)
    primary, secondary = keys.primary.get_secret_value(), keys.secondary.get_secret_value()
    shown = (primary, secondary) if reveal else (mask(primary), mask(secondary))
    document = {"name": name, "resourceGroup": resource_group, "workspace": workspace,
                "primaryKey": shown[0], "secondaryKey": shown[1], "revealed": reveal}
    if reveal:
        # Asked for in clear: bypass the scrubber for exactly this document, nothing else.
        text = json.dumps(document, indent=2) if output == "json" else (
            f"primary   {primary}\nsecondary {secondary}")
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    elif output == "json":
        emit_json(document)
    else:
        stdout.print(f"endpoint {name} (workspace {workspace}, resource group {resource_group})", markup=False)
        stdout.print(f"primary   {shown[0]}\nsecondary {shown[1]}", markup=False)
        _say("keys are masked; add --reveal to print them")


@keys_app.command("rotate")
def keys_rotate_command(
    name: Annotated[str, typer.Argument(help="Serverless endpoint name.")],
    resource_group: Annotated[str, typer.Option("--resource-group", "-g", help="Resource group of the workspace.")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Azure ML workspace holding the endpoint.")],
    key: Annotated[str | None, typer.Option("--key", help="primary (default) or secondary.")] = None,
    both: Annotated[bool, typer.Option("--both", help="Two-step rotation: secondary, vault, primary, vault.")] = False,
    subscription: Annotated[str | None, typer.Option("--subscription", help=_SUBSCRIPTION_HELP)] = None,
    arm_endpoint: Annotated[str | None, typer.Option("--arm-endpoint", help=_ARM_ENDPOINT_HELP)] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait per key regeneration.")] = 300.0,
    grace: Annotated[float, typer.Option(
        "--grace", min=0, help="Seconds to wait after moving Key Vault to the other key, for consumers.")] = 0.0,
    output: Annotated[str, typer.Option("--format", callback=_table_or_json, help="table or json.")] = "table",
) -> None:
    """Regenerate endpoint keys and update the Key Vault secret the program created."""
    from provisioning.errors import BadInput
    from provisioning.operations.keys import KeyKind, rotate_keys
    from provisioning.ui.console import emit_json, stdout

    if key is not None and key.lower() not in ("primary", "secondary"):
        raise BadInput(f"--key {key!r} is not one of: primary, secondary")
    kind = KeyKind(key.lower()) if key else None
    with _azure_session(arm_endpoint) as session:
        ref = _endpoint_ref(name, resource_group, workspace, subscription, session)
        result = rotate_keys(session, ref, key=kind, both=both, timeout=timeout, grace=grace, say=_say)
    if output == "json":
        emit_json(result.document())
    else:
        doc = result.document()
        vault = doc["keyVaultSecret"]
        stdout.print(f"rotated {name}: {len(result.steps)} step(s); primary {doc['primaryKey']}, secondary "
                     f"{doc['secondaryKey']}", markup=False)
        if vault:
            stdout.print(f"Key Vault secret {result.secret.name if result.secret else ''} holds the {vault['holds']} "
                         "key", markup=False)
    for line in result.aftermath():  # stderr, in every format: the stack output may now be stale
        _say(f"note: {line}")


# --------------------------------------------------------------------------------------------------
# maas emulate (issue 6): the local image-API emulator; the body lives in provisioning/emulator/command.py
# --------------------------------------------------------------------------------------------------

_LIST_HELP = "Repeat the option or separate values with commas"


def _emulator_defaults() -> tuple[str, str]:
    """The emulator's default regions and projects, for the help text (plain data: no heavy import)."""
    from provisioning.emulator.defaults import DEFAULT_PROJECTS, DEFAULT_REGIONS

    return ",".join(DEFAULT_REGIONS), ",".join(DEFAULT_PROJECTS)


_EMU_REGIONS, _EMU_PROJECTS = _emulator_defaults()


@app.command("emulate")
def emulate(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 = any free port).")] = 0,
    regions: Annotated[
        list[str] | None,
        typer.Option("--regions", help=f"Catalog regions to emulate (default: {_EMU_REGIONS}). {_LIST_HELP}."),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", help=f"Catalog model slugs to emulate (default: all). {_LIST_HELP}."),
    ] = None,
    projects: Annotated[
        list[str] | None,
        typer.Option(
            "--projects",
            help=f"Projects (one workspace each per region, all models in each; default: {_EMU_PROJECTS}). "
            f"{_LIST_HELP}.",
        ),
    ] = None,
    latency_ms: Annotated[float, typer.Option("--latency-ms", help="Latency added to each image request (ms).")] = 0,
    jitter_ms: Annotated[float, typer.Option("--jitter-ms", help="Random extra latency, uniform 0..N ms.")] = 0,
    throttle_rate: Annotated[
        float, typer.Option("--throttle-rate", help="Probability (0..1) of a 429 with Retry-After.")
    ] = 0.0,
    retry_after: Annotated[int, typer.Option("--retry-after", help="Retry-After seconds sent with random 429s.")] = 1,
    error_rate: Annotated[float, typer.Option("--error-rate", help="Probability (0..1) of a 500.")] = 0.0,
    content_filter_word: Annotated[
        str,
        typer.Option("--content-filter-word", help="Prompts containing it get the content-filter 400 ('' = off)."),
    ] = "forbidden",
    requests_per_minute: Annotated[
        int | None,
        typer.Option(
            "--requests-per-minute", help="Per-endpoint request cap (429 beyond it; default: the catalog's 1000)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the random knobs (throttle, errors, jitter).")] = 0,
    no_hosted: Annotated[
        bool, typer.Option("--no-hosted", help="Do not serve the hosted-dialect SD 3.5 Large endpoint.")
    ] = False,
    inventory_out: Annotated[
        Path | None,
        typer.Option("--inventory-out", help="Write the endpoint inventory with working keys here (mode 0600)."),
    ] = None,
) -> None:
    """Serve the Azure image API for fake endpoints on 127.0.0.1 until Ctrl-C or SIGTERM."""
    from provisioning.emulator.command import serve, settings_from_options

    settings = settings_from_options(
        regions=regions,
        models=models,
        projects=projects,
        port=port,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        throttle_rate=throttle_rate,
        retry_after_s=retry_after,
        error_rate=error_rate,
        content_filter_word=content_filter_word,
        requests_per_minute=requests_per_minute,
        seed=seed,
        hosted=not no_hosted,
    )
    raise typer.Exit(int(serve(settings, inventory_out)))


# --------------------------------------------------------------------------------------------------
# maas verify — smoke-test every endpoint against the image API (provisioning/verify, DESIGN §6/§10)
# --------------------------------------------------------------------------------------------------


class _DialectChoice(StrEnum):
    AZURE = "azure"
    HOSTED = "hosted"


class _RouteChoice(StrEnum):
    """`--route` names the catalog's two Azure routes by their first path segment."""

    IMAGES = "images"
    IMAGE = "image"


def _route_help() -> str:
    from infra.catalog import Route  # plain data; read here so the paths are stated in one place

    return (
        f"Azure-dialect route tried first: images = {Route.IMAGES_GENERATIONS} (what working clients call), "
        f"image = {Route.IMAGE_GENERATIONS} (what the docs say); the other is tried once on 404/405."
    )


@app.command("verify")
def verify(
    inventory: Annotated[
        Path | None,
        typer.Option("--inventory", metavar="FILE", help="Inventory JSON: the `endpoints` list or an object with it."),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option("--stack", metavar="NAME", help="Read the outputs with `pulumi stack output --show-secrets`."),
    ] = None,
    emulate: Annotated[bool, typer.Option("--emulate", help="Start the local emulator, verify it, stop it.")] = False,
    report_dir: Annotated[
        Path, typer.Option("--report-dir", metavar="DIR", help="Gets report.json, junit.xml, summary.md, index.html.")
    ] = Path("reports/verify"),
    max_images: Annotated[
        int, typer.Option("--max-images", metavar="N", help="Refuse runs expected to generate more billable images.")
    ] = 100,
    concurrency: Annotated[int, typer.Option("--concurrency", metavar="N", help="In flight per endpoint.")] = 2,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Per request, body included.")] = 120.0,
    deadline: Annotated[float, typer.Option("--deadline", metavar="SECONDS", help="For the whole run.")] = 900.0,
    dialect: Annotated[
        _DialectChoice, typer.Option("--dialect", help="For inventory entries that do not name their dialect.")
    ] = _DialectChoice.AZURE,
    route: Annotated[_RouteChoice, typer.Option("--route", help=_route_help())] = _RouteChoice.IMAGES,
) -> None:
    """Smoke-test every endpoint of an inventory against the image API; exit 0 all pass, 1 any fails."""
    from provisioning.verify.command import run_verify_command
    from provisioning.verify.options import VerifyOptions, route_for_option

    options = VerifyOptions.build(
        max_images=max_images,
        concurrency=concurrency,
        timeout_s=timeout,
        deadline_s=deadline,
        dialect=dialect.value,
        route=route_for_option(route.value),
    )
    code = run_verify_command(inventory=inventory, stack=stack, emulate=emulate, report_dir=report_dir, options=options)
    raise typer.Exit(int(code))


# ==================================================================================================
# maas audit (issue 9): desired (stack configs) vs actual (Azure) across subscriptions; the body
# lives in provisioning/audit/
# ==================================================================================================

_AUDIT_SOURCES = ("auto", "resource-graph", "arm-listing")


@app.command("audit")
def audit_command(
    stack: Annotated[list[str] | None, typer.Option(
        "--stack", help="Stack name (reads Pulumi.<NAME>.yaml here). Repeatable.")] = None,
    config: Annotated[list[Path] | None, typer.Option(
        "--config", help="A Pulumi.<stack>.yaml file. Repeatable.", dir_okay=False)] = None,
    subscription: Annotated[list[str] | None, typer.Option("--subscription", help=(
        "Audit this subscription. Repeatable. Default: each stack's azure-native:subscriptionId, else "
        "AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID, else the credential's first enabled subscription."))] = None,
    all_subscriptions: Annotated[bool, typer.Option(
        "--all-subscriptions", help="Audit every enabled subscription the credential sees.")] = False,
    arm_endpoint: Annotated[str | None, typer.Option("--arm-endpoint", help=_ARM_ENDPOINT_HELP)] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json, markdown or html.")] = "table",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the report to this file instead of stdout.", dir_okay=False)] = None,
    source: Annotated[str, typer.Option("--source", help=(
        "auto (Resource Graph, else listing per subscription), resource-graph or arm-listing."))] = "auto",
    verify: Annotated[bool, typer.Option(
        "--verify", help="Also run `maas verify` on the live endpoints found and fold the results in.")] = False,
    max_images: Annotated[int | None, typer.Option(
        "--max-images", min=0, help="With --verify: refuse to start above this many billable images.")] = None,
    verify_report_dir: Annotated[Path | None, typer.Option(
        "--verify-report-dir", help="With --verify: also write the verifier's report.json, junit.xml, summary.md, "
        "index.html here.", file_okay=False)] = None,
) -> None:
    """Desired (stack configs) against actual (Azure): a region x model matrix with the drift list.

    Exit 0 when everything matches, 1 when anything drifted (or failed --verify, or could not be read),
    2 on bad input or unusable credentials.
    """
    from provisioning.audit import SourceMode, load_stacks, run_audit
    from provisioning.audit.desired import validate_explicit
    from provisioning.audit.progress import listing_progress
    from provisioning.audit.render import print_table, render
    from provisioning.redact import REDACTOR
    from provisioning.ui.console import OutputFormat, check_format, emit_text, stdout

    problems = []
    try:
        check_format(output_format, OutputFormat)
    except BadInput as exc:
        problems.extend(exc.problems)
    if source not in _AUDIT_SOURCES:
        problems.append(f"--source {source!r} is not one of {', '.join(_AUDIT_SOURCES)}")
    if out is not None:
        problem = _output_file_problem(out, "--out", create_parents=True)
        if problem:
            problems.append(problem)
    if (max_images is not None or verify_report_dir is not None) and not verify:
        problems.append("--max-images and --verify-report-dir only apply with --verify")
    if problems:
        raise BadInput(problems)
    validate_explicit(subscription or [], all_subscriptions)
    stacks = load_stacks(stack or [], config or [])  # before any credential or network: bad input fails fast

    with _azure_session(arm_endpoint) as session, listing_progress() as progress:
        report = run_audit(session, stacks, subscriptions=subscription or [], all_subscriptions=all_subscriptions,
                           mode=SourceMode(source), say=_say, on_progress=progress)
        if verify:
            from provisioning.audit.verification import verify_cells

            verify_cells(session, report, max_images=max_images, report_dir=verify_report_dir, say=_say)

    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(REDACTOR.scrub(render(report, output_format)), encoding="utf-8")
        except OSError as exc:
            raise _write_failed(out, "--out", exc, "the audit ran, its report was not written") from None
        _say(f"wrote the {output_format} report to {out}")
    elif output_format == "table":
        print_table(report, stdout)
    else:
        emit_text(render(report, output_format))
    if output_format != "table" or out is not None:  # the table says all this itself
        from provisioning.audit.render.common import headline

        _say(f"audit: {headline(report)} (source {report.source}, {report.management_calls} management call(s))")
        for error in report.errors:
            _say(f"error: {error}")
    raise typer.Exit(report.exit_code)


def main() -> None:
    """Console-script entry point: known errors become readable lines and their exit code."""
    from infra.config import ConfigError
    from provisioning.redact import install_log_redaction

    install_log_redaction()  # every log record of every library, scrubbed of registered secrets
    try:
        app()
    except ConfigError as exc:
        error_lines(exc.lines())
        raise SystemExit(2) from None
    except MaasError as exc:
        error_lines(exc.lines())
        raise SystemExit(int(exc.exit_code)) from None


if __name__ == "__main__":
    main()

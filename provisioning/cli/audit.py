"""`maas audit`: desired (stack configs) against actual (Azure) across subscriptions; the body lives
in provisioning/audit/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provisioning.cli.app import app
from provisioning.cli.options import AnyFormat, ArmEndpoint, Configs, Stacks, output_file_problem, write_failed
from provisioning.cli.session import azure_session, say
from provisioning.errors import BadInput

_AUDIT_SOURCES = ("auto", "resource-graph", "arm-listing")


@app.command("audit")
def audit_command(
    stack: Stacks = None,
    config: Configs = None,
    subscription: Annotated[list[str] | None, typer.Option("--subscription", metavar="ID", help=(
        "Audit this subscription. Repeatable. Default: each stack's azure-native:subscriptionId, else "
        "AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID, else the credential's first enabled subscription."))] = None,
    all_subscriptions: Annotated[bool, typer.Option(
        "--all-subscriptions", help="Audit every enabled subscription the credential sees.")] = False,
    arm_endpoint: ArmEndpoint = None,
    output_format: AnyFormat = "table",
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE", help="Write the report to this file instead of stdout.", dir_okay=False)] = None,
    source: Annotated[str, typer.Option("--source", metavar="SOURCE", help=(
        "auto (Resource Graph, else listing per subscription), resource-graph or arm-listing."))] = "auto",
    verify: Annotated[bool, typer.Option(
        "--verify", help="Also run `maas verify` on the live endpoints found and fold the results in.")] = False,
    max_images: Annotated[int | None, typer.Option(
        "--max-images", min=0, metavar="N", help="With --verify: refuse to start above this many billable images.")
    ] = None,
    verify_report_dir: Annotated[Path | None, typer.Option(
        "--verify-report-dir", metavar="DIR", help="With --verify: also write the verifier's report.json, junit.xml, "
        "summary.md, index.html here.", file_okay=False)] = None,
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
    from provisioning.ui.console import emit_text, stdout

    problems = []
    if source not in _AUDIT_SOURCES:
        problems.append(f"--source {source!r} is not one of {', '.join(_AUDIT_SOURCES)}")
    if out is not None:
        problem = output_file_problem(out, "--out", create_parents=True)
        if problem:
            problems.append(problem)
    if (max_images is not None or verify_report_dir is not None) and not verify:
        problems.append("--max-images and --verify-report-dir only apply with --verify")
    if problems:
        raise BadInput(problems)
    validate_explicit(subscription or [], all_subscriptions)
    stacks = load_stacks(stack or [], config or [])  # before any credential or network: bad input fails fast

    with azure_session(arm_endpoint) as session, listing_progress() as progress:
        report = run_audit(session, stacks, subscriptions=subscription or [], all_subscriptions=all_subscriptions,
                           mode=SourceMode(source), say=say, on_progress=progress)
        if verify:
            from provisioning.audit.verification import verify_cells

            verify_cells(session, report, max_images=max_images, report_dir=verify_report_dir, say=say)

    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(REDACTOR.scrub(render(report, output_format)), encoding="utf-8")
        except OSError as exc:
            raise write_failed(out, "--out", exc, "the audit ran, its report was not written") from None
        say(f"wrote the {output_format} report to {out}")
    elif output_format == "table":
        print_table(report, stdout)
    else:
        emit_text(render(report, output_format))
    if output_format != "table" or out is not None:  # the table says all this itself
        from provisioning.audit.render.common import closing_lines

        for line in closing_lines(report):
            say(line)
    raise typer.Exit(report.exit_code)

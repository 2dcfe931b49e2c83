"""Option types shared by the command modules, so an option means, reads and fails the same way in
every command that takes it.

`--format` is one choice type: each command names the formats it allows (`formats(...)`), the value
is checked while the options are parsed, and a bad one is refused with the same single line (exit 2)
everywhere. Metavars are fixed here: NAME, FILE, DIR, ID, URL, SECONDS, FORMAT.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from provisioning.cli.option_errors import reject
from provisioning.errors import BadInput
from provisioning.ui.console import OutputFormat

SUBSCRIPTION_HELP = ("Subscription id. Default: the stack's azure-native:subscriptionId, else AZURE_SUBSCRIPTION_ID / "
                     "ARM_SUBSCRIPTION_ID, else the credential's first enabled subscription.")
ARM_ENDPOINT_HELP = "Management endpoint (sovereign clouds); default MAAS_ARM_ENDPOINT or https://management.azure.com."


def _spoken(choices: tuple[str, ...]) -> str:
    """table, json or markdown"""
    return choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"


def formats(*allowed: OutputFormat) -> Any:
    """The `--format` option of a command that renders in `allowed` (the first is the default's kind).

    Checked in the option callback, before the command body runs (so before any file is read or any
    Azure call is made); the command receives an OutputFormat.
    """
    choices = tuple(str(f) for f in allowed)

    def check(value: str) -> OutputFormat:
        if value not in choices:
            reject(f"--format {value!r} is not one of {', '.join(choices)}")
        return OutputFormat(value)

    return typer.Option("--format", metavar="FORMAT", callback=check, help=f"{_spoken(choices)}.")


TABLE_JSON = (OutputFormat.TABLE, OutputFormat.JSON)
TABLE_JSON_MARKDOWN = (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.MARKDOWN)
ALL_FORMATS = tuple(OutputFormat)

# The value is an OutputFormat (a str); annotated as str so Typer leaves the choice to the callback.
TableOrJson = Annotated[str, formats(*TABLE_JSON)]
TableJsonOrMarkdown = Annotated[str, formats(*TABLE_JSON_MARKDOWN)]
AnyFormat = Annotated[str, formats(*ALL_FORMATS)]

Stack = Annotated[str | None, typer.Option(
    "--stack", metavar="NAME", help="Stack name: reads Pulumi.<NAME>.yaml here.")]
Stacks = Annotated[list[str] | None, typer.Option(
    "--stack", metavar="NAME", help="Stack name (reads Pulumi.<NAME>.yaml here). Repeatable.")]
Config = Annotated[Path | None, typer.Option("--config", metavar="FILE", help="A Pulumi.<stack>.yaml file.")]
Configs = Annotated[list[Path] | None, typer.Option(
    "--config", metavar="FILE", help="A Pulumi.<stack>.yaml file. Repeatable.", dir_okay=False)]
Subscription = Annotated[str | None, typer.Option("--subscription", metavar="ID", help=SUBSCRIPTION_HELP)]
Subscriptions = Annotated[list[str] | None, typer.Option(
    "--subscription", metavar="ID", help=SUBSCRIPTION_HELP + " Repeatable.")]
ArmEndpoint = Annotated[str | None, typer.Option("--arm-endpoint", metavar="URL", help=ARM_ENDPOINT_HELP)]
ReportDir = Annotated[Path, typer.Option(
    "--report-dir", metavar="DIR", help="Gets report.json, junit.xml, summary.md, index.html.")]

# `maas keys show|rotate` address one endpoint the same way: from the stack that declares it, or
# by its resource group and workspace.
EndpointName = Annotated[str, typer.Argument(metavar="ENDPOINT", help="Serverless endpoint name.")]
ResourceGroup = Annotated[str | None, typer.Option(
    "--resource-group", "-g", metavar="NAME",
    help="Resource group of the workspace (default: from --stack / --config).")]
Workspace = Annotated[str | None, typer.Option(
    "--workspace", "-w", metavar="NAME",
    help="Azure ML workspace holding the endpoint (default: from --stack / --config).")]
Region = Annotated[str | None, typer.Option(
    "--region", metavar="REGION", help="With --stack / --config: the endpoint's region, when the stack deploys "
    "that name in several.")]


def output_file_problem(path: Path, option: str, *, create_parents: bool = False, regular: bool = False) -> str | None:
    """Why `path` cannot take an output file, checked before any Azure call (None when it can).

    A run that lists every endpoint and fetches every key must not end in a traceback because the
    file it was asked to write cannot be written.
    """
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


def write_failed(path: Path, option: str, exc: OSError, lost: str) -> BadInput:
    """One line for a write that failed after the work was done (never the content: it may hold keys)."""
    reason = exc.strerror or exc.__class__.__name__
    return BadInput(f"{option} {path}: cannot write it ({reason}); {lost}")


def parse_rate_limit(text: str) -> tuple[int, float]:
    """`--rate-limit N/SECONDS` (maas emulate, maas loadtest) -> (N, SECONDS): at most N requests per
    endpoint in any SECONDS; Azure's is 1000/60, tests and load benchmarks shrink the window."""
    count, sep, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds)
    except ValueError:
        limit, window = 0, 0.0
    if not sep or limit < 1 or not window > 0 or window > 3600:
        raise BadInput(f"--rate-limit {text!r}: write N/SECONDS with N >= 1 and 0 < SECONDS <= 3600, e.g. 1000/60")
    return limit, window

"""What the Azure-facing commands (preflight, endpoints, keys, audit) share: the stack they act on,
an Azure session whose errors leave as one line, and the stderr channel for notes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.config import FleetConfig


def stack_config(stack: str | None, config: Path | None, required: bool) -> FleetConfig | None:
    """Preflight needs a stack (--stack, --config, or the only Pulumi.<stack>.yaml here); endpoints
    only narrows to one when asked."""
    from provisioning.inputs.stacks import load_config

    if not required and not stack and not config:
        return None
    return load_config(stack, config)


@contextmanager
def azure_session(arm_endpoint: str | None) -> Iterator[Any]:
    """An AzureSession whose SDK exceptions all leave as one readable line (and the right exit code)."""
    from provisioning.azure.errors import azure_errors
    from provisioning.azure.session import open_session

    with open_session(arm_endpoint) as session, azure_errors(session.settings.arm_endpoint):
        yield session


def say(line: str) -> None:
    """A note for the person at the terminal: stderr, scrubbed, one line."""
    from provisioning.ui.console import error_lines

    error_lines([line])


def one_subscription(session: Any, subscription: str | None, fleet: FleetConfig | None) -> Any:
    """The one subscription a command acts in (--subscription, else the stack's, else the environment's
    or the credential's default), with the note on where it came from said once."""
    resolved = session.resolve_subscriptions([subscription] if subscription else [], fleet)[0]
    if resolved.note:
        say(resolved.note)
    return resolved


def emit(output: str, document: Any, table: Any, errors: Iterable[str] = ()) -> None:
    """The result in the chosen format (--format json: `document` on stdout; else the Rich `table`), then
    each error as its own line on stderr, in every format."""
    from provisioning.ui.console import emit_json, stdout

    if output == "json":
        emit_json(document)
    else:
        stdout.print(table)
    for error in errors:
        say(f"error: {error}")

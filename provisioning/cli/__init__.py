"""`maas`: the command line of maas-fleet (its contract is stable: option names, outputs, exit codes).

One module per command, each registering itself on the shared app (provisioning/cli/app.py); shared
option types live in provisioning/cli/options.py. Commands stay thin: parse options, call the module
that does the work, render the result and choose the exit code. Heavy imports (Pulumi, azure-ai-ml)
happen inside commands, so `maas --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module

from provisioning.cli.app import app
from provisioning.errors import ExitCode, MaasError

# The command modules, each registering its command on `app` when imported. Registration order is
# the order `maas --help` lists them in, so it is stated here rather than left to import sorting.
COMMAND_MODULES = ("plan", "policy", "preflight", "endpoints", "keys", "emulate", "verify", "audit",
                   "capacity", "routes", "loadtest")
for _name in COMMAND_MODULES:
    import_module(f"{__name__}.{_name}")


def wants_json(argv: list[str]) -> bool:
    """`--format json` anywhere on the command line (read before parsing, so that errors raised
    while the options are still being parsed answer in JSON too)."""
    for i, arg in enumerate(argv):
        if arg == "--format=json" or (arg == "--format" and i + 1 < len(argv) and argv[i + 1] == "json"):
            return True
    return False


def main() -> None:
    """Console-script entry point: known errors become readable lines and their exit code (and
    `{"error": {"message", "fix"}}` on stdout when the command was asked for JSON)."""
    import sys

    import typer

    from infra.config import ConfigError
    from provisioning.redact import install_log_redaction
    from provisioning.ui.console import ERRORS, fail

    install_log_redaction()  # every log record of every library, scrubbed of registered secrets
    ERRORS.json, ERRORS.emitted = wants_json(sys.argv[1:]), False
    try:
        if not ERRORS.json:
            app()
            return
        # Click prints its own usage errors and exits; in JSON mode they are caught and answered in JSON.
        code = app(standalone_mode=False)
        raise SystemExit(code if isinstance(code, int) else 0)
    except ConfigError as exc:
        fail(exc.lines())
    except MaasError as exc:
        fail(exc.problems, exc.exit_code, exc.fix)
    except typer.Abort:
        fail("interrupted", ExitCode.FAILED)
    except typer.exceptions.TyperException as exc:  # a usage error Click would otherwise print itself
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        fail(message, ExitCode.BAD_INPUT)
    finally:  # the process ends here; in-process callers (tests) start the next run clean
        ERRORS.json = ERRORS.emitted = False


__all__ = ["COMMAND_MODULES", "app", "main"]

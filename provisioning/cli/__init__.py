"""`maas`: the command line of maas-fleet (its contract is stable: option names, outputs, exit codes).

One module per command, each registering itself on the shared app (provisioning/cli/app.py); shared
option types live in provisioning/cli/options.py. Commands stay thin: parse options, call the module
that does the work, render the result and choose the exit code. Heavy imports (Pulumi, azure-ai-ml)
happen inside commands, so `maas --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module

from provisioning.cli.app import app
from provisioning.errors import MaasError
from provisioning.ui.console import error_lines

# The command modules, each registering its command on `app` when imported. Registration order is
# the order `maas --help` lists them in, so it is stated here rather than left to import sorting.
COMMAND_MODULES = ("plan", "policy", "preflight", "endpoints", "keys", "emulate", "verify", "audit")
for _name in COMMAND_MODULES:
    import_module(f"{__name__}.{_name}")


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


__all__ = ["COMMAND_MODULES", "app", "main"]

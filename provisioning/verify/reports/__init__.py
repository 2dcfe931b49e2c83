"""The four report files of a run (docs/architecture.md, Contracts): report.json, junit.xml, summary.md, index.html.

Written together, each atomically (temp file + rename), every byte through the secret scrubber
one last time; the directory is checked before anything else (a run is never wasted on an
unwritable one) and created only once the inventory has validated (bad input leaves nothing behind).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from provisioning.errors import BadInput
from provisioning.redact import REDACTOR
from provisioning.verify.reports.contact_sheet import render_html
from provisioning.verify.reports.junit import render_junit
from provisioning.verify.reports.report_json import render_json
from provisioning.verify.reports.summary_md import render_markdown
from provisioning.verify.results import VerifyReport

REPORT_FILES = ("report.json", "junit.xml", "summary.md", "index.html")

__all__ = ["REPORT_FILES", "check_report_dir", "prepare_report_dir", "render_html", "render_json", "render_junit",
           "render_markdown", "write_reports"]


def check_report_dir(directory: str | Path) -> None:
    """Fail now (BadInput) if the directory could not be created or written, without creating it:
    a run with bad input must leave nothing behind, so the directory is made only once the inventory
    has validated (prepare_report_dir), and a run is never wasted on an unwritable one either."""
    path = Path(directory)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    where = f"--report-dir {directory}"
    if not existing.is_dir():
        raise BadInput(f"{where}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput(f"{where}: cannot write there ({existing} is not writable)")


def prepare_report_dir(directory: str | Path) -> Path:
    """Create the directory and prove it is writable, before any request is sent."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as exc:
        raise BadInput(f"--report-dir {directory}: cannot write there ({exc.strerror or type(exc).__name__})") from None
    return path


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(REDACTOR.scrub(text))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(report: VerifyReport, directory: str | Path) -> dict[str, Path]:
    path = prepare_report_dir(directory)
    renderers = {
        "report.json": render_json,
        "junit.xml": render_junit,
        "summary.md": render_markdown,
        "index.html": render_html,
    }
    written: dict[str, Path] = {}
    for name, render in renderers.items():
        _write(path / name, render(report))
        written[name] = path / name
    return written

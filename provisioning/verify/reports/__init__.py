"""The four report files of a run (DESIGN §10): report.json, junit.xml, summary.md, index.html.

Written together, each atomically (temp file + rename), every byte through the secret scrubber
one last time; the directory is prepared before the run so a run is never wasted on an unwritable
report directory.
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

__all__ = ["REPORT_FILES", "prepare_report_dir", "render_html", "render_json", "render_junit", "render_markdown",
           "write_reports"]


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

"""Run `maas` in-process the way the verify command-line tests read it: exit code, stdout, stderr."""

from __future__ import annotations

import sys

import pytest

from provisioning.cli import main


def maas(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["maas", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    code = done.value.code
    # stderr lines may be wrapped at the console width; compare words, not line breaks
    return (code if isinstance(code, int) else 1), out, " ".join(err.split())

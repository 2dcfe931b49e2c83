"""Keeping secrets (endpoint keys, tokens) out of everything a person or a pipeline can read.

Masking happens in one place so output, logs, reports and exception text all go through the
same scrubber: register each secret as soon as it is read, scrub every string before it leaves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

MASK = "****"
_MIN_SECRET_LEN = 6  # shorter strings would mask innocent text and are not real keys anyway


def mask(secret: str | None, visible: int = 4) -> str:
    """`abcd...` style preview that is safe to print: never more than `visible` trailing chars,
    and nothing at all for short values."""
    if not secret:
        return ""
    if len(secret) <= visible * 3:
        return MASK
    return f"{MASK}{secret[-visible:]}"


class Redactor:
    """Remembers secrets and removes them from any text; thread-safe, process-wide by default."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= _MIN_SECRET_LEN:
            with self._lock:
                self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in text:
                text = text.replace(s, MASK)
        return text

    def __contains__(self, text: str) -> bool:
        with self._lock:
            return any(s in text for s in self._secrets)


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Attach to handlers so a secret that slips into a log record is masked before it is written."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.redactor.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True

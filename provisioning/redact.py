"""Keeping secrets (endpoint keys, tokens) out of everything a person or a pipeline can read.

Masking happens in one place so output, logs, reports and exception text all go through the
same scrubber: register each secret as soon as it is read, scrub every string before it leaves.

A secret is rarely echoed verbatim by a hostile or careless server: it comes back HTML-escaped in
an error page, percent-encoded in a URL, JSON-escaped inside a string, and our own renderers
(JSON, JUnit XML, HTML) escape it once more. So each secret is registered together with the forms
those encodings give it, and every form is masked.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

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


_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _html_forms(text: str) -> set[str]:
    """Python's html.escape (`&quot;`, `&#x27;`) and markupsafe/Jinja's (`&#34;`, `&#39;`)."""
    escaped = html.escape(text, quote=True)
    return {escaped, html.escape(text, quote=False),
            escaped.replace("&quot;", "&#34;").replace("&#x27;", "&#39;")}


def encoded_forms(secret: str) -> set[str]:
    """The secret and what the common encodings turn it into (HTML/XML escaping, percent-encoding in
    upper and lower case, JSON string escaping with and without `\\/`), one level deep and HTML of JSON."""
    percent = {quote(secret, safe=""), quote(secret, safe="/"), quote_plus(secret)}
    percent |= {_PERCENT_ESCAPE.sub(lambda m: m.group(0).lower(), p) for p in percent}
    in_json = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    in_json |= {j.replace("/", "\\/") for j in in_json}
    forms = {secret, *percent, *in_json, *_html_forms(secret)}
    for j in in_json:
        forms |= _html_forms(j)
    return forms


class Redactor:
    """Remembers secrets and removes them from any text; thread-safe, process-wide by default.
    Each secret is remembered in every encoded form `encoded_forms` gives it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= _MIN_SECRET_LEN:
            forms = encoded_forms(secret)
            with self._lock:
                self._secrets |= forms

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


def scrub_record(record: logging.LogRecord, redactor: Redactor = REDACTOR) -> logging.LogRecord:
    """Remove every registered secret from a log record: its message (formatted with its args), its
    traceback and its stack text.

    The message is only rewritten (to the scrubbed text, args dropped) when a secret is found, so
    handlers that read `record.args` see them untouched otherwise. A traceback that holds a secret
    is kept as scrubbed `exc_text` and `exc_info` is dropped: formatters reuse `exc_text`, and a
    handler that renders `exc_info` itself (Rich, Sentry) must not get the frames' raw text.
    """
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what there is, scrubbed, instead of failing
        message = f"{record.msg} {record.args!r}"
        record.msg, record.args = message, None
    scrubbed = redactor.scrub(message)
    if scrubbed != message or (record.args and repr(record.args) in redactor):
        record.msg, record.args = scrubbed, None
    if record.exc_info and record.exc_info[0] is not None:
        text = record.exc_text or _TRACEBACK_FORMATTER.formatException(record.exc_info)
        if text in redactor:
            record.exc_text, record.exc_info = redactor.scrub(text), None
    elif record.exc_text and record.exc_text in redactor:
        record.exc_text = redactor.scrub(record.exc_text)
    if record.stack_info and record.stack_info in redactor:
        record.stack_info = redactor.scrub(record.stack_info)
    return record


_TRACEBACK_FORMATTER = logging.Formatter()


class RedactingFilter(logging.Filter):
    """For a handler that may receive records made before `install_log_redaction` (or under a
    record factory someone else installed later): scrubs each record it passes on."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record, self.redactor)
        return True


class _RedactingRecordFactory:
    """Wraps the record factory so every record from every logger is scrubbed the moment it is made.

    Why the factory and not filters: a logger's filters only see records logged on that very logger,
    not on its children (`azure.core.pipeline.policies.http_logging_policy` bypasses a filter on
    `azure`), and handler filters miss handlers that libraries or users add later. Every record,
    whatever logger or handler, is built by the factory.
    """

    def __init__(self, inner: Callable[..., logging.LogRecord], redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(self.inner(*args, **kwargs), self.redactor)


_install_lock = threading.Lock()


def install_log_redaction(redactor: Redactor = REDACTOR) -> None:
    """Scrub secrets from every log record this process creates; idempotent and thread-safe."""
    with _install_lock:
        current = logging.getLogRecordFactory()
        if isinstance(current, _RedactingRecordFactory) and current.redactor is redactor:
            return
        logging.setLogRecordFactory(_RedactingRecordFactory(current, redactor))


def log_redaction_installed(redactor: Redactor = REDACTOR) -> bool:
    current = logging.getLogRecordFactory()
    return isinstance(current, _RedactingRecordFactory) and current.redactor is redactor

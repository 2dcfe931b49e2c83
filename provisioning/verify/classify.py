"""Reading what an endpoint answered: error codes, content-filter bodies, readable messages.

Azure answers errors in two shapes (docs/architecture.md, Verification and the emulator): flat `{"status", "code",
"message"}` and wrapped
`{"error": {"code", "message", "innererror": {...}}}`; FastAPI-style validation errors come as
`{"detail": [...]}` or `{"detail": "..."}`. Content filtering is `400` with code `content_filter`
in either shape. This module turns any of them into a code and a message a person can read.
"""

from __future__ import annotations

import json
from typing import Any

from infra.catalog import CONTENT_FILTER_CODE
from provisioning.redact import REDACTOR
from provisioning.verify.results import Category

MESSAGE_CHARS = 240
CODE_CHARS = 80


def parse_json(body: bytes) -> Any:
    """JSON or None; hostile nesting (RecursionError) and bad encodings count as not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _codes(doc: Any) -> list[str]:
    """Every error code a body carries, outermost first."""
    codes: list[str] = []
    node = doc
    for _ in range(4):  # flat, error, innererror, innererror.innererror
        if not isinstance(node, dict):
            break
        code = node.get("code")
        if isinstance(code, str):
            codes.append(code)
        node = node.get("error") if isinstance(node.get("error"), dict) else node.get("innererror")
    return codes


def error_code(body: bytes) -> str | None:
    codes = _codes(parse_json(body))
    return codes[0] if codes else None


def is_content_filter(status: int, body: bytes) -> bool:
    return status == 400 and CONTENT_FILTER_CODE in [c.lower() for c in _codes(parse_json(body))]


def _message_of(doc: Any) -> str | None:
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return None
    for key in ("message", "detail", "title", "error_description"):
        value = doc.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if key == "detail" and isinstance(value, list) and value:
            parts = [_message_of(v) or (v.get("msg") if isinstance(v, dict) else None) for v in value]
            joined = "; ".join(p for p in parts if isinstance(p, str))
            if joined:
                return joined
    inner = doc.get("error")
    if isinstance(inner, (dict, str)):
        return _message_of(inner)
    return None


def scrubbed_cut(text: str, limit: int) -> str:
    """Server text shortened for a report, secrets masked first. The order matters: a key that
    straddles the cut would survive in part if the cut came first (no longer a whole secret the
    scrubber could recognise)."""
    return REDACTOR.scrub(text).strip()[:limit]


def readable_message(body: bytes) -> str | None:
    """The human part of an error body, or None when there is none (empty, binary, bare JSON).
    Negative answers must come 'with a readable body' (docs/architecture.md, Verification and the
    emulator); this is that test.
    The message is scrubbed whole before it is shortened."""
    doc = parse_json(body)
    if doc is not None:
        message = _message_of(doc)
        return (scrubbed_cut(message, MESSAGE_CHARS) or None) if message else None
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    printable = sum(1 for ch in text if ch.isprintable() or ch.isspace())
    if not text or not any(ch.isalpha() for ch in text) or printable < 0.9 * len(text):
        return None
    return scrubbed_cut(text, MESSAGE_CHARS) or None


def excerpt(body: bytes) -> str:
    """What to quote from an answer in a check's detail: code and message, each scrubbed whole
    before it is shortened (CheckResult scrubs once more, as it does every detail)."""
    message = readable_message(body)
    if message:
        code = error_code(body)
        if code and code not in message:
            return f"{scrubbed_cut(code, CODE_CHARS)}: {message}"
        return message
    if not body:
        return "empty body"
    return f"{len(body)} bytes, no readable message"


def category_for_status(status: int, body: bytes) -> Category | None:
    """The failure category of an HTTP status when a success was expected; None for 2xx."""
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return Category.AUTH
    if status in (404, 405):
        return Category.ROUTE
    if status == 408:
        return Category.TIMEOUT
    if status == 429:
        return Category.THROTTLED
    if is_content_filter(status, body):
        return Category.CONTENT_FILTER
    if 400 <= status < 500:
        return Category.SCHEMA
    if status >= 500:
        return Category.SERVER_ERROR
    return Category.TRANSPORT  # 1xx/3xx that reached us are a protocol problem

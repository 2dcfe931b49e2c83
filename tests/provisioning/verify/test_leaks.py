"""Not even part of a key reaches a report, the screen or a log: messages are scrubbed before they are
shortened, and errors raised while encoding a request are described, never quoted."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest
from pydantic import SecretStr
from rich.console import Console

from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.redact import REDACTOR, encoded_forms
from provisioning.verify.classify import MESSAGE_CHARS, excerpt, readable_message
from provisioning.verify.progress import summary_table
from provisioning.verify.results import VerifyReport
from provisioning.verify.transport import KEY_NOT_SENDABLE, cut_at_token_boundary, describe


def table_text(report: VerifyReport) -> str:
    out = io.StringIO()
    Console(file=out, width=400, color_system=None).print(summary_table(report))
    return out.getvalue()


@pytest.mark.parametrize("mode", ["echo_key_at_cut", "echo_key_at_cut_text"])
async def test_a_key_straddling_the_message_cut_leaks_nowhere(
    mode: str, hostile: Any, run_verify: Any, helpers: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hostile.set(mode)
    report = await run_verify([hostile.endpoint()])
    t2i = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE]
    assert t2i.category == "schema" and "key=****" in t2i.detail  # masked whole, then shortened
    files = helpers.reports(report, tmp_path)
    assert set(files) == {"report.json", "junit.xml", "summary.md", "index.html"}
    helpers.no_key_fragment(*files.values(), table_text(report), caplog.text, repr(report.to_json()))


def test_messages_are_scrubbed_before_they_are_cut(helpers: Any) -> None:
    for lead in range(MESSAGE_CHARS - 30, MESSAGE_CHARS + 1):  # the key across every position of the cut
        text = "x" * lead + f" {helpers.key} rejected"
        for body in (text.encode(), b'{"error": {"code": "bad", "message": "%s"}}' % text.encode()):
            message = readable_message(body)
            assert message is not None and len(message) <= MESSAGE_CHARS
            helpers.no_key_fragment(message, excerpt(body))


def test_an_error_code_carrying_the_key_is_scrubbed_too(helpers: Any) -> None:
    body = b'{"code": "%s", "message": "no"}' % ("c" * 70 + helpers.key).encode()
    helpers.no_key_fragment(excerpt(body))


def test_a_body_cut_at_its_cap_loses_the_partial_token_at_the_end(helpers: Any) -> None:
    body = f"rejected key={helpers.key}".encode()
    for cap in range(len(b"rejected key="), len(body)):
        kept = cut_at_token_boundary(body[:cap])
        assert kept == b"rejected "  # the whole token the cut fell into goes (`key=` included)
        helpers.no_key_fragment(kept.decode())
    assert cut_at_token_boundary(b'{"message": "too long"}') == b'{"message": "too long"}'


# ---------------------------------------------------------------------------------------- encoding


CONTROL_KEY = "SECRET1-abcdefgh\nSECRET2-ijklmnop"
NON_ASCII_KEY = "clé-secrète-0123456789"


def endpoint_with_key(hostile: Any, key: str, model: str = "stable-image-core") -> InventoryEndpoint:
    """An inventory entry with an unsendable key, built without validation: the inventory may refuse
    such keys itself, and the verifier must be safe whatever reaches it."""
    good = hostile.endpoint(model)
    REDACTOR.add(key)
    return InventoryEndpoint.model_construct(**(dict(good) | {"key": SecretStr(key)}))


@pytest.mark.parametrize("key", [CONTROL_KEY, NON_ASCII_KEY, "key-with\x7fdelete"], ids=["control", "non-ascii", "del"])
async def test_an_unsendable_key_is_a_transport_failure_described_not_quoted(
    key: str, hostile: Any, run_verify: Any, helpers: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    report = await run_verify([endpoint_with_key(hostile, key)])
    checks = helpers.checks(report)
    assert checks["text-to-image"] == ("fail", "transport")
    assert checks["route"] == ("skip", None)
    assert checks["invalid-size"] == checks["capability-mismatch"] == ("fail", "transport")
    assert checks["auth"] == ("pass", None)  # the request without a key is still sendable
    t2i = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE]
    assert t2i.detail == KEY_NOT_SENDABLE
    assert all(r["headers"].get("authorization") is None for r in hostile.state.requests)  # nothing sent with it
    files = helpers.reports(report, tmp_path)
    texts = [*files.values(), table_text(report), caplog.text]
    for part in key.split("\n"):
        helpers.no_key_fragment(*texts, key=part)
    assert not any("codec" in text or "position" in text for text in texts)


def test_encoding_errors_are_described_by_class_never_by_text() -> None:
    REDACTOR.add(CONTROL_KEY)
    header = f"Bearer {CONTROL_KEY}".encode()
    errors: list[BaseException] = [
        httpx.LocalProtocolError(f"Illegal header value {header!r}"),
        h11.LocalProtocolError(f"Illegal header value {header!r}"),
        UnicodeEncodeError("ascii", NON_ASCII_KEY, 2, 3, "ordinal not in range(128)"),
    ]
    for exc in errors:
        text = describe(exc)
        assert text.startswith(type(exc).__name__ + ": ")
        assert "SECRET" not in text and "position" not in text and "é" not in text


def test_other_errors_are_scrubbed_before_they_are_cut(helpers: Any) -> None:
    for lead in range(150, 200):
        text = describe(httpx.ConnectError("x" * lead + helpers.key))
        helpers.no_key_fragment(text)


async def test_a_key_echoed_encoded_leaks_nowhere(
    hostile: Any, run_verify: Any, helpers: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A key with the characters encodings change (+ / =), echoed percent-encoded and JSON-escaped:
    no form of it reaches a report, the table or a log."""
    caplog.set_level(logging.DEBUG)
    key = "Zm9v+YmFy/YmF6=cXV4" + "q1w2e3r4"
    hostile.set("echo_key_encoded")
    hostile.state.key = key
    try:
        report = await run_verify([hostile.endpoint()])
    finally:
        hostile.state.key = helpers.key
    t2i = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE]
    assert t2i.status == "fail" and "rejected ****" in t2i.detail
    files = helpers.reports(report, tmp_path)
    seen = "\n".join([*files.values(), table_text(report), caplog.text, repr(report.to_json())])
    leaked = [form for form in encoded_forms(key) if form in seen]
    assert leaked == [] and key.lower() not in seen.lower()


"""Secrets never reach a log line, whichever library logs them and however deep its logger sits."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from provisioning.redact import (
    MASK,
    REDACTOR,
    RedactingFilter,
    Redactor,
    install_log_redaction,
    log_redaction_installed,
)

SECRET = "SUPERSECRETTOKEN123"  # noqa: S105 - a test value

# Child loggers the real SDKs log on (a filter on their parent never sees these records).
CHILD_LOGGERS = (
    "azure.core.pipeline.policies.http_logging_policy",
    "azure.identity._internal.get_token_mixin",
    "azure.ai.ml._restclient",
    "msal.application",
    "msal.token_cache",
    "httpx",
    "httpcore.http11",
    "urllib3.connectionpool",
    "some.library.nobody.configured",
)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A root handler writing to a buffer; the record factory and root logger restored afterwards."""
    factory = logging.getLogRecordFactory()
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    REDACTOR.add(SECRET)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.setLogRecordFactory(factory)


def _plain_factory() -> None:
    logging.setLogRecordFactory(logging.LogRecord)


def test_the_reported_leak_through_a_child_of_the_azure_logger(captured: io.StringIO) -> None:
    from provisioning.azure.session import _quiet_azure_logging

    _plain_factory()
    _quiet_azure_logging()
    logging.getLogger("azure.core.pipeline.policies.http_logging_policy").error("Authorization: Bearer %s", SECRET)
    text = captured.getvalue()
    assert "Authorization: Bearer " + MASK in text
    assert SECRET not in text


@pytest.mark.parametrize("name", CHILD_LOGGERS)
def test_every_logger_is_scrubbed(captured: io.StringIO, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _plain_factory()
    install_log_redaction()
    logger = logging.getLogger(name)
    # Whatever levels and handlers earlier imports gave its ancestors (azure-ai-ml silences its own),
    # this logger emits here and only here.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    monkeypatch.setattr(logger, "propagate", False)
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "handlers", [handler])
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        logger.error("header Authorization: Bearer %s", SECRET)
        logger.info("inline " + SECRET)
        logger.debug("mapping %(key)s", {"key": SECRET})
        logger.error("unused %(a)s", {"a": "x", "key": SECRET})  # a handler reading record.args must not see it
    finally:
        logger.setLevel(level)
    text = stream.getvalue()
    assert SECRET not in text
    assert text.count(MASK) == 3 and "unused x" in text


def test_unused_mapping_args_are_dropped_when_they_hold_a_secret() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    factory = logging.getLogRecordFactory()
    logger = logging.getLogger("tests.redaction.args")
    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    REDACTOR.add(SECRET)
    try:
        _plain_factory()
        install_log_redaction()
        logger.info("unused %(a)s", {"a": "x", "key": SECRET})
        logger.info("no secret %s", "here")
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(factory)
    assert records[0].args is None and records[0].getMessage() == "unused x"
    assert records[1].args == ("here",)  # records without secrets keep their args for handlers


def test_tracebacks_holding_the_secret_are_scrubbed(captured: io.StringIO) -> None:
    _plain_factory()
    install_log_redaction()

    def fail(token: str) -> None:
        raise RuntimeError(f"token {token} rejected")

    for name in ("azure.core.pipeline.transport", "httpx", "urllib3.connectionpool", "msal.oauth2cli"):
        try:
            fail(SECRET)
        except RuntimeError:
            logging.getLogger(name).exception("request failed")
    try:
        fail(SECRET)
    except RuntimeError:
        logging.getLogger("msal").error("failed", exc_info=True, stack_info=True)
    text = captured.getvalue()
    assert "Traceback (most recent call last)" in text and f"token {MASK} rejected" in text
    assert SECRET not in text


def test_a_handler_rendering_exc_info_itself_gets_nothing_secret() -> None:
    """Rich's and Sentry's handlers format `exc_info` on their own: a record with a secret in its
    traceback carries only the scrubbed `exc_text`."""
    factory = logging.getLogRecordFactory()
    REDACTOR.add(SECRET)
    try:
        _plain_factory()
        install_log_redaction()
        try:
            raise ValueError(SECRET)
        except ValueError:
            record = logging.getLogRecordFactory()("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    finally:
        logging.setLogRecordFactory(factory)
    assert record.exc_info is None and record.exc_text is not None
    assert SECRET not in record.exc_text and MASK in record.exc_text


def test_install_is_idempotent_and_keeps_the_previous_factory(captured: io.StringIO) -> None:
    seen: list[str] = []

    def custom(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = logging.LogRecord(*args, **kwargs)
        seen.append(record.name)
        return record

    logging.setLogRecordFactory(custom)
    install_log_redaction()
    wrapped = logging.getLogRecordFactory()
    install_log_redaction()
    install_log_redaction()
    assert logging.getLogRecordFactory() is wrapped and log_redaction_installed()
    logging.getLogger("azure.mgmt.resource").error("key %s", SECRET)
    assert seen == ["azure.mgmt.resource"]  # the factory it wrapped still runs, once
    assert SECRET not in captured.getvalue()


def test_a_broken_format_string_is_still_scrubbed(captured: io.StringIO) -> None:
    _plain_factory()
    install_log_redaction()
    logging.getLogger("httpx").error("two %s %s", SECRET)  # one arg short
    text = captured.getvalue()
    assert SECRET not in text and MASK in text


def test_the_handler_filter_uses_the_same_scrubber() -> None:
    redactor = Redactor([SECRET])
    record = logging.LogRecord("azure", logging.ERROR, __file__, 1, "Bearer %s", (SECRET,), None)
    assert RedactingFilter(redactor).filter(record)
    assert record.getMessage() == f"Bearer {MASK}"


def test_maas_main_installs_redaction_first(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from provisioning.cli import main

    factory = logging.getLogRecordFactory()
    try:
        _plain_factory()
        monkeypatch.setattr(sys, "argv", ["maas", "--version"])
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code in (0, None)
        assert log_redaction_installed()
    finally:
        logging.setLogRecordFactory(factory)
    assert "maas-fleet" in capsys.readouterr().out


@pytest.mark.parametrize(("echoed", "why"), [
    ("k%2By%2Fz%3D%3Cv%3E%26w", "percent-encoded"),
    ("k%2by%2fz%3d%3cv%3e%26w", "percent-encoded, lower-case hex"),
    ("k%2By/z%3D%3Cv%3E%26w", "percent-encoded path segment"),
    ("k+y/z=&lt;v&gt;&amp;w", "HTML-escaped"),
    ("k+y\\/z=<v>&w", "JSON-escaped slash"),
    ("k+y\\/z=&lt;v&gt;&amp;w", "HTML of JSON"),
])
def test_escaped_and_encoded_forms_of_a_secret_are_masked(echoed: str, why: str) -> None:
    redactor = Redactor(["k+y/z=<v>&w"])
    assert redactor.scrub(f"before {echoed} after") == f"before {MASK} after", why
    assert echoed in redactor


"""Reading error bodies in every shape Azure and gateways send them."""

from __future__ import annotations

import json

import pytest

from provisioning.verify.classify import category_for_status, error_code, excerpt, is_content_filter, readable_message
from provisioning.verify.results import Category


def body(doc: object) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "doc",
    [
        {"status": 400, "code": "content_filter", "message": "filtered"},  # flat
        {"error": {"code": "content_filter", "message": "filtered"}},  # wrapped
        {"error": {"code": "BadRequest", "innererror": {"code": "content_filter"}}},  # Azure OpenAI style
        {"error": {"code": "Content_Filter", "message": "x"}},
    ],
)
def test_content_filter_in_any_shape(doc: object) -> None:
    assert is_content_filter(400, body(doc))
    assert category_for_status(400, body(doc)) is Category.CONTENT_FILTER


def test_content_filter_needs_400() -> None:
    doc = body({"code": "content_filter"})
    assert not is_content_filter(500, doc) and category_for_status(500, doc) is Category.SERVER_ERROR


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            body({"error": {"code": "invalid_size", "message": "size 512x512 is not supported"}}),
            "size 512x512 is not supported",
        ),
        (
            body(
                {
                    "status": 422,
                    "code": "parameter_not_supported",
                    "detail": [{"loc": ["body", "image_prompt"], "msg": "not supported"}],
                }
            ),
            "not supported",
        ),
        (body({"detail": "Unprocessable"}), "Unprocessable"),
        (body({"error": "plain string error"}), "plain string error"),
        (b"Bad Request: size must be one of the catalog sizes", "Bad Request: size must be one of the catalog sizes"),
        (b"", None),
        (b"   ", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", None),
        (body({"code": 400}), None),  # JSON with nothing a person can read
        (b"[" * 100_000, None),  # hostile nesting is not JSON and not text worth quoting
    ],
)
def test_readable_message(raw: bytes, message: str | None) -> None:
    assert readable_message(raw) == message


def test_excerpt_names_the_code_once() -> None:
    raw = body({"error": {"code": "invalid_size", "message": "size 512x512 is not supported"}})
    assert excerpt(raw) == "invalid_size: size 512x512 is not supported"
    assert error_code(raw) == "invalid_size"
    assert excerpt(b"") == "empty body"
    assert excerpt(b"\x00\x01\x02") == "3 bytes, no readable message"


@pytest.mark.parametrize(
    ("status", "category"),
    [
        (200, None),
        (401, Category.AUTH),
        (403, Category.AUTH),
        (404, Category.ROUTE),
        (405, Category.ROUTE),
        (408, Category.TIMEOUT),
        (429, Category.THROTTLED),
        (400, Category.SCHEMA),
        (422, Category.SCHEMA),
        (500, Category.SERVER_ERROR),
        (503, Category.SERVER_ERROR),
    ],
)
def test_status_categories(status: int, category: Category | None) -> None:
    assert category_for_status(status, b"{}") is category

"""One reading of the pacing headers for every client: Retry-After (seconds or HTTP date) and Azure's
retry-after-ms / x-ms-retry-after-ms, in any header case; the ARM client and the verifier agree."""

from __future__ import annotations

import httpx
import pytest

from provisioning.azure.arm import ArmResponse
from provisioning.azure.arm import parse_retry_after as arm_parse_retry_after
from provisioning.retry_after import parse_retry_after, retry_after_s


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"x-ms-retry-after-ms": "1500"}, 1.5),
        ({"Retry-After-Ms": "250", "Retry-After": "9"}, 0.25),  # the precise one wins
        ({"retry-after-ms": "soon", "retry-after": "2"}, 2.0),  # an unreadable one is skipped
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "inf"}, None),  # never "wait forever"
        ({"retry-after-ms": "nan"}, None),
        ({"retry-after": ""}, None),
        ({}, None),
    ],
)
def test_pacing_headers(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_s(headers) == seconds
    assert retry_after_s(list(headers.items())) == seconds
    assert retry_after_s(httpx.Headers(headers)) == seconds


def test_http_dates_count_from_now() -> None:
    when = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after_s({"retry-after": when}, now=1445412470.0) == 10
    assert parse_retry_after(when, now=1445412490.0) == 0.0  # in the past: now
    assert parse_retry_after(when) == 0.0


def test_the_arm_client_reads_the_same_headers() -> None:
    assert arm_parse_retry_after is parse_retry_after
    assert ArmResponse(202, {"Retry-After": "4"}, None, "u").retry_after == 4.0
    assert ArmResponse(202, {"retry-after-ms": "1200", "Retry-After": "4"}, None, "u").retry_after == 1.2
    assert ArmResponse(202, {"x-ms-retry-after-ms": "300"}, None, "u").retry_after == 0.3
    assert ArmResponse(200, {}, None, "u").retry_after is None

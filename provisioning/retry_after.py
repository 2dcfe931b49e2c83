"""How long a server asked us to wait: one reading of the pacing headers for every HTTP client here
(the ARM client and the endpoint verifier).

Azure sends `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds) next to, or instead of, the
standard `Retry-After` (delta-seconds or an HTTP date, RFC 9110 §10.2.3). The millisecond headers
are the more precise and win, in the order azure-core's RetryPolicy reads them.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Iterable, Mapping
from typing import Final

MS_HEADERS: Final = ("retry-after-ms", "x-ms-retry-after-ms")
RETRY_AFTER: Final = "retry-after"
PACING_HEADERS: Final = (*MS_HEADERS, RETRY_AFTER)


def _number(value: str) -> float | None:
    """A finite number, or None: `inf` / `nan` from a broken server must not mean "wait forever"."""
    try:
        number = float(value)
    except ValueError:
        return None
    return max(0.0, number) if math.isfinite(number) else None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` value (delta-seconds or an HTTP date); None when absent or
    unreadable. A date in the past means "now" (0)."""
    if value is None or not value.strip():
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_retry_after_ms(value: str | None) -> float | None:
    """Seconds from a `retry-after-ms` value; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    millis = _number(value)
    return None if millis is None else millis / 1000


def retry_after_s(headers: Mapping[str, str] | Iterable[tuple[str, str]], now: float | None = None) -> float | None:
    """Seconds the answer's headers ask us to wait; header names in any case. None when none of
    the pacing headers is present and readable."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    found = {name.lower(): value for name, value in pairs if name.lower() in PACING_HEADERS}
    for name in MS_HEADERS:
        seconds = parse_retry_after_ms(found.get(name))
        if seconds is not None:
            return seconds
    return parse_retry_after(found.get(RETRY_AFTER), now)

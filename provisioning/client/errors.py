"""What the fleet client raises. Messages name endpoints, regions and statuses, never a key."""

from __future__ import annotations

from collections.abc import Sequence


class FleetClientError(Exception):
    """Base of the client's errors."""


class ContentFilteredError(FleetClientError):
    """The service filtered the prompt (HTTP 400, code content_filter). Not retried elsewhere: every
    endpoint runs the same content safety, so it is the prompt that needs changing."""

    def __init__(self, endpoint: str, region: str, message: str) -> None:
        self.endpoint, self.region = endpoint, region
        super().__init__(f"{endpoint} ({region}) filtered the prompt: {message}")


class RequestRejectedError(FleetClientError):
    """The request itself is wrong (4xx other than auth, route or throttling): another endpoint would
    answer the same, so it is not retried."""

    def __init__(self, endpoint: str, region: str, status: int, message: str) -> None:
        self.endpoint, self.region, self.status = endpoint, region, status
        super().__init__(f"{endpoint} ({region}) rejected the request with HTTP {status}: {message}")


class FleetUnavailableError(FleetClientError):
    """No endpoint of the model produced an image within the attempts and the deadline."""

    def __init__(self, model: str, attempts: int, failures: Sequence[str]) -> None:
        self.model, self.attempts, self.failures = model, attempts, list(failures)
        recent = "; ".join(self.failures[-3:]) or "no endpoint became available"
        super().__init__(f"no endpoint of {model} answered after {attempts} attempt(s): {recent}")

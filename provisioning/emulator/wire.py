"""Error bodies as the real services shape them: flat (the Azure AI model inference API) or wrapped
(gateway errors and the OpenAI-style hosted API).

Flat:    {"status": 422, "code": "parameter_not_supported", "message": "...",
          "detail": {"loc": ["body", "foo"], "input": 1}}
Wrapped: {"error": {"code": "Unauthorized", "message": "...", "status": 401}}

A client must read both (docs/architecture.md, Verification and the emulator), so the emulator uses both, each where
the real service does.
`input` is only echoed for short scalars: never an image, never anything that could carry a secret.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

from starlette.responses import Response

from provisioning.redact import REDACTOR

Shape = Literal["flat", "wrapped"]

# Codes the emulator answers with (content_filter / parameter_not_supported come from the catalog).
INVALID_JSON: Final = "invalid_json"
INVALID_BODY: Final = "invalid_request_body"
MISSING_PARAMETER: Final = "missing_required_parameter"
INVALID_VALUE: Final = "invalid_parameter_value"
INVALID_HEADER: Final = "invalid_header_value"
TOO_LARGE: Final = "request_too_large"
REQUEST_TIMEOUT: Final = "request_timeout"
UNAUTHORIZED: Final = "Unauthorized"
NOT_FOUND: Final = "NotFound"
METHOD_NOT_ALLOWED: Final = "MethodNotAllowed"
TOO_MANY_REQUESTS: Final = "too_many_requests"
INTERNAL_ERROR: Final = "internal_server_error"
SERVICE_UNAVAILABLE: Final = "ServiceUnavailable"
# The hosted dialect's own codes (wrapped bodies with `param`).
HOSTED_MISSING: Final = "missing_parameter"
HOSTED_INVALID: Final = "invalid_parameter"
HOSTED_UNKNOWN: Final = "unknown_parameter"

NO_INPUT: Final = object()  # `value=NO_INPUT`: do not echo the offending input
_MISSING: Final = NO_INPUT
_MAX_ECHO = 80


def _echo(value: Any) -> Any:
    """The offending input, if it is small and harmless enough to send back."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) <= _MAX_ECHO:
        return value
    return _MISSING


def quoted(value: object, limit: int) -> str:
    """Client text quoted back in an error message, shortened. Scrubbed before the cut: a client
    that sent its key in the wrong place must not get part of it back (the whole-body scrub of
    `json_response` only recognises whole keys)."""
    return repr(REDACTOR.scrub(str(value))[:limit])


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(REDACTOR.scrub(text) if status >= 400 else text, status, headers, "application/json")


class ApiError(Exception):
    """An answer other than 200, raised anywhere in a handler and rendered in its shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        shape: Shape = "flat",
        loc: list[str] | None = None,
        value: Any = _MISSING,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.shape = status, code, message, shape
        self.loc, self.value, self.param = loc, value, param
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        if self.shape == "wrapped":
            inner: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
            if self.param is not None:
                inner["param"] = self.param
            return {"error": inner}
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.param is not None:
            body["param"] = self.param
        if self.loc is not None:
            detail: dict[str, Any] = {"loc": self.loc}
            echoed = _echo(self.value) if self.value is not _MISSING else _MISSING
            if echoed is not _MISSING:
                detail["input"] = echoed
            body["detail"] = detail
        return body

    def response(self, extra_headers: dict[str, str] | None = None) -> Response:
        return json_response(self.body(), self.status, {**(extra_headers or {}), **self.headers})

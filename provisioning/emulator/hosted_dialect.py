"""The hosted SD 3.5 Large provider's dialect: `POST {target}/image/generation`.

Request (JSON): `model` (required: the catalog slug `stable-diffusion-3.5-large` or the registry name
`Stable-Diffusion-3.5-Large`), `positive_prompt` (required), `negative_prompt`, `width` and `height`
(whole numbers 256..2048, default 1024), `steps` (1..100, default 30: the price includes 30),
`cfg` (number 0..20, default 4.5), `seed` (0..4294967294, default 0), `output_format` (png|jpeg).
Unknown parameters -> 400 `unknown_parameter`. Errors are wrapped: `{"error": {"code", "message",
"status", "param"}}`.

Answer (200): `{"image": base64, "created": unix seconds, "model", "seed", "width", "height", "steps",
"cfg", "output_format", "cost_usd"}` where cost_usd is the catalog price for that size and step count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from infra.catalog import (
    DEFAULT_OUTPUT_FORMAT,
    DEFAULT_SIZE,
    HOSTED_SD35_LARGE,
    MODELS,
    OUTPUT_FORMATS,
    Size,
)
from provisioning.emulator.azure_dialect import MAX_PROMPT_CHARS, MAX_SEED
from provisioning.emulator.wire import HOSTED_INVALID, HOSTED_MISSING, HOSTED_UNKNOWN, ApiError

PARAMETERS: Final = (
    "model",
    "positive_prompt",
    "negative_prompt",
    "width",
    "height",
    "steps",
    "cfg",
    "seed",
    "output_format",
)
MIN_SIDE: Final = 256
MAX_SIDE: Final = 2048
MAX_STEPS: Final = 100
MAX_CFG: Final = 20.0
DEFAULT_CFG: Final = 4.5
_MODEL: Final = MODELS[HOSTED_SD35_LARGE.model]
MODEL_IDS: Final = (_MODEL.slug, _MODEL.name.lower())


@dataclass(frozen=True)
class HostedImageRequest:
    prompt: str
    negative_prompt: str
    size: Size
    steps: int
    cfg: float
    seed: int
    output_format: str

    @property
    def cost_usd(self) -> float:
        return round(HOSTED_SD35_LARGE.price_usd(self.size, self.steps), 6)


def _error(code: str, param: str, message: str) -> ApiError:
    return ApiError(400, code, message, shape="wrapped", param=param)


def _whole(body: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(HOSTED_INVALID, name, f"{name} must be a whole number from {low} to {high}")
    return value


def _prompt(body: Mapping[str, Any], name: str, required: bool) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise _error(HOSTED_MISSING, name, f"{name} is required")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _error(HOSTED_INVALID, name, f"{name} must be a non-empty string")
    if len(value) > MAX_PROMPT_CHARS:
        raise _error(HOSTED_INVALID, name, f"{name} is longer than {MAX_PROMPT_CHARS} characters")
    return value


def parse_request(body: Any) -> HostedImageRequest:
    if not isinstance(body, Mapping):
        raise _error(HOSTED_INVALID, "body", "the request body must be a JSON object")
    unknown = sorted(k for k in body if k not in PARAMETERS)
    if unknown:
        raise _error(
            HOSTED_UNKNOWN, unknown[0], f"unknown parameter(s): {', '.join(unknown)}; allowed: {', '.join(PARAMETERS)}"
        )
    model = body.get("model")
    if model is None:
        raise _error(HOSTED_MISSING, "model", f"model is required ({_MODEL.slug!r})")
    if not isinstance(model, str) or model.strip().lower() not in MODEL_IDS:
        message = f"model {str(model)[:60]!r} is not offered here; allowed: {_MODEL.slug!r}"
        raise _error(HOSTED_INVALID, "model", message)
    prompt = _prompt(body, "positive_prompt", required=True)
    negative = _prompt(body, "negative_prompt", required=False)
    width = _whole(body, "width", DEFAULT_SIZE.width, MIN_SIDE, MAX_SIDE)
    height = _whole(body, "height", DEFAULT_SIZE.height, MIN_SIDE, MAX_SIDE)
    steps = _whole(body, "steps", HOSTED_SD35_LARGE.default_steps, 1, MAX_STEPS)
    seed = _whole(body, "seed", 0, 0, MAX_SEED)
    cfg = body.get("cfg", DEFAULT_CFG)
    if cfg is None:
        cfg = DEFAULT_CFG
    if isinstance(cfg, bool) or not isinstance(cfg, int | float) or not 0 <= cfg <= MAX_CFG:
        raise _error(HOSTED_INVALID, "cfg", f"cfg must be a number from 0 to {MAX_CFG:g}")
    output_format = body.get("output_format") or DEFAULT_OUTPUT_FORMAT
    if not isinstance(output_format, str) or output_format.lower() not in OUTPUT_FORMATS:
        raise _error(HOSTED_INVALID, "output_format", f"output_format must be one of {', '.join(OUTPUT_FORMATS)}")
    return HostedImageRequest(
        prompt=prompt,
        negative_prompt=negative,
        size=Size(width, height),
        steps=steps,
        cfg=float(cfg),
        seed=seed,
        output_format=output_format.lower(),
    )

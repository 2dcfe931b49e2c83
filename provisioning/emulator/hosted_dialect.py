"""The hosted SD 3.5 Large provider's dialect: `POST {target}/image/generation`.

Request (JSON): `model` (required: the catalog slug `stable-diffusion-3.5-large` or the registry name
`Stable-Diffusion-3.5-Large`), `positive_prompt` (required), `negative_prompt`, `width` and `height`
(whole numbers min_side..max_side, default 1024), `steps` (min_steps..max_steps, default default_steps,
which the price includes), `cfg` (number 0..max_cfg, default default_cfg), `seed` (0..4294967294,
default 0), `output_format` (png|jpeg). The bounds and defaults are the catalog's HOSTED_SD35_LARGE.
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
from provisioning.emulator.wire import HOSTED_INVALID, HOSTED_MISSING, HOSTED_UNKNOWN, ApiError, quoted

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
OFFER: Final = HOSTED_SD35_LARGE
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
        message = f"model {quoted(model, 60)} is not offered here; allowed: {_MODEL.slug!r}"
        raise _error(HOSTED_INVALID, "model", message)
    prompt = _prompt(body, "positive_prompt", required=True)
    negative = _prompt(body, "negative_prompt", required=False)
    width = _whole(body, "width", DEFAULT_SIZE.width, OFFER.min_side, OFFER.max_side)
    height = _whole(body, "height", DEFAULT_SIZE.height, OFFER.min_side, OFFER.max_side)
    steps = _whole(body, "steps", OFFER.default_steps, OFFER.min_steps, OFFER.max_steps)
    seed = _whole(body, "seed", 0, 0, MAX_SEED)
    cfg = body.get("cfg", OFFER.default_cfg)
    if cfg is None:
        cfg = OFFER.default_cfg
    if isinstance(cfg, bool) or not isinstance(cfg, int | float) or not 0 <= cfg <= OFFER.max_cfg:
        raise _error(HOSTED_INVALID, "cfg", f"cfg must be a number from 0 to {OFFER.max_cfg:g}")
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

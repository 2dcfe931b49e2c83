"""The Azure serverless image API: request validation for `POST {target}/images/generations` (and the
documented `/image/generations`), answered in the flat Azure AI model inference error shape.

Body parameters: `prompt` (required), `negative_prompt`, `image_prompt {image, strength}` (only models
with image-to-image), `size` (catalog sizes), `output_format` (png|jpeg), `seed`, `model` (must name the
endpoint's model), plus what the OpenAI Python SDK may add: `n` (1 only) and `response_format`
(`b64_json` only; the answer is always base64 in `image`). Anything else is an unknown parameter:
422 `parameter_not_supported` unless the request says `extra-parameters: pass-through` (or `drop`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from infra.catalog import (
    DEFAULT_OUTPUT_FORMAT,
    DEFAULT_SIZE,
    MODELS,
    OUTPUT_FORMATS,
    PARAMETER_NOT_SUPPORTED_CODE,
    SIZES,
    Capability,
    ModelSpec,
    Size,
)
from provisioning.emulator.wire import (
    INVALID_HEADER,
    INVALID_VALUE,
    MISSING_PARAMETER,
    NO_INPUT,
    ApiError,
    quoted,
)

PARAMETERS: Final = (
    "prompt",
    "negative_prompt",
    "image_prompt",
    "size",
    "output_format",
    "seed",
    "model",
    "n",
    "response_format",
)
IMAGE_PROMPT_FIELDS: Final = ("image", "strength")
MAX_PROMPT_CHARS: Final = 10_000
MAX_SEED: Final = 4_294_967_294
# `extra-parameters` header values (Azure AI model inference): error is the default.
PASS_THROUGH: Final = "pass-through"  # noqa: S105 (a header value, not a password)
EXTRA_PARAMETER_MODES: Final = ("error", "drop", "ignore", PASS_THROUGH)


@dataclass(frozen=True)
class AzureImageRequest:
    prompt: str
    negative_prompt: str
    size: Size
    output_format: str
    seed: int
    image_b64: str | None
    strength: float | None


def _invalid(name: str, value: Any, message: str, loc: list[str] | None = None) -> ApiError:
    return ApiError(400, INVALID_VALUE, message, loc=loc or ["body", name], value=value)


def _not_supported(loc: list[str], value: Any, message: str) -> ApiError:
    return ApiError(422, PARAMETER_NOT_SUPPORTED_CODE, message, loc=loc, value=value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def extra_parameters_mode(header: str | None) -> str:
    if header is None or not header.strip():
        return "error"
    mode = header.strip().lower()
    if mode not in EXTRA_PARAMETER_MODES:
        raise ApiError(
            400,
            INVALID_HEADER,
            f"header extra-parameters: {quoted(header, 40)} is not supported; allowed: error, drop, pass-through",
        )
    return mode


def _text(body: Mapping[str, Any], name: str, required: bool) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, MISSING_PARAMETER, f"{name} is required", loc=["body", name])
        return ""
    if not isinstance(value, str):
        raise _invalid(name, value, f"{name} must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise _invalid(name, value, f"{name} must not be empty")
    if len(value) > MAX_PROMPT_CHARS:
        raise _invalid(name, NO_INPUT, f"{name} is {len(value)} characters; at most {MAX_PROMPT_CHARS} are allowed")
    return value


def _size(value: Any) -> Size:
    allowed = ", ".join(str(s) for s in SIZES)
    if value is None:
        return DEFAULT_SIZE
    if not isinstance(value, str):
        raise _invalid("size", value, f"size must be a string WIDTHxHEIGHT; allowed: {allowed}")
    try:
        size = Size.parse(value)
    except ValueError:
        size = None
    if size not in SIZES:
        raise _invalid("size", value, f"size {value!r} is not supported; allowed: {allowed}")
    assert size is not None
    return size


def _output_format(value: Any) -> str:
    if value is None:
        return DEFAULT_OUTPUT_FORMAT
    if not isinstance(value, str) or value.lower() not in OUTPUT_FORMATS:
        raise _invalid(
            "output_format", value, f"output_format {value!r} is not supported; allowed: {', '.join(OUTPUT_FORMATS)}"
        )
    return value.lower()


def _seed(value: Any) -> int:
    if value is None:
        return 0
    if not _is_int(value) or not 0 <= value <= MAX_SEED:
        raise _invalid("seed", value, f"seed must be a whole number from 0 to {MAX_SEED}")
    assert isinstance(value, int)
    return value


def _check_model(value: Any, model: ModelSpec) -> None:
    if value is None:
        return
    if not isinstance(value, str) or value.strip().lower() not in (model.name.lower(), model.slug):
        raise _invalid("model", value, f"model {value!r} is not served by this endpoint; it serves {model.name!r}")


def _check_openai_extras(body: Mapping[str, Any]) -> None:
    n = body.get("n")
    if n is not None:
        if not _is_int(n):
            raise _invalid("n", n, "n must be a whole number")
        if n != 1:
            raise _not_supported(["body", "n"], n, "n: this endpoint returns exactly one image per request; send n=1")
    response_format = body.get("response_format")
    if response_format is not None and response_format != "b64_json":
        if response_format == "url":
            raise _not_supported(
                ["body", "response_format"],
                response_format,
                "response_format 'url' is not supported; the image is returned base64-encoded in 'image'",
            )
        raise _invalid("response_format", response_format, "response_format must be 'b64_json'")


def _image_prompt(value: Any, model: ModelSpec, extra_mode: str) -> tuple[str, float] | None:
    if value is None:
        return None
    if not model.supports(Capability.IMAGE_TO_IMAGE):
        capable = ", ".join(m.name for m in MODELS.values() if m.supports(Capability.IMAGE_TO_IMAGE))
        raise _not_supported(
            ["body", "image_prompt"],
            NO_INPUT,
            f"image_prompt is not supported by {model.name} (text-to-image only); "
            f"image-to-image models: {capable}",
        )
    if not isinstance(value, Mapping):
        raise _invalid("image_prompt", NO_INPUT, "image_prompt must be an object {image: base64, strength: 0..1}")
    unknown = sorted(k for k in value if k not in IMAGE_PROMPT_FIELDS)
    if unknown and extra_mode == "error":
        raise _not_supported(
            ["body", "image_prompt", unknown[0]],
            value.get(unknown[0]),
            f"image_prompt.{unknown[0]} is not a supported parameter (allowed: image, strength)",
        )
    image = value.get("image")
    if image is None:
        raise ApiError(400, MISSING_PARAMETER, "image_prompt.image is required", loc=["body", "image_prompt", "image"])
    if not isinstance(image, str) or not image:
        raise _invalid(
            "image", NO_INPUT, "image_prompt.image must be a base64 string", ["body", "image_prompt", "image"]
        )
    strength = value.get("strength")
    if strength is None:
        raise ApiError(
            400, MISSING_PARAMETER, "image_prompt.strength is required", loc=["body", "image_prompt", "strength"]
        )
    if not _is_number(strength) or not 0.0 <= float(strength) <= 1.0:
        message = "image_prompt.strength must be a number from 0 to 1"
        raise _invalid("strength", strength, message, ["body", "image_prompt", "strength"])
    return image, float(strength)


def parse_request(body: Any, model: ModelSpec, extra_parameters: str | None) -> AzureImageRequest:
    """Validate a decoded JSON body for `model`; raises ApiError with the answer Azure would give."""
    mode = extra_parameters_mode(extra_parameters)
    if not isinstance(body, Mapping):
        raise ApiError(400, INVALID_VALUE, "the request body must be a JSON object", loc=["body"])
    unknown = sorted(k for k in body if k not in PARAMETERS)
    if unknown and mode == "error":
        names = ", ".join(unknown)
        raise _not_supported(
            ["body", unknown[0]],
            body[unknown[0]],
            f"One of the parameters contain invalid values: {names} "
            f"{'is' if len(unknown) == 1 else 'are'} not supported by {model.name} "
            "(send 'extra-parameters: pass-through' to pass unknown parameters to the model)",
        )
    prompt = _text(body, "prompt", required=True)
    negative_prompt = _text(body, "negative_prompt", required=False)
    image = _image_prompt(body.get("image_prompt"), model, mode)
    size = _size(body.get("size"))
    output_format = _output_format(body.get("output_format"))
    seed = _seed(body.get("seed"))
    _check_model(body.get("model"), model)
    _check_openai_extras(body)
    return AzureImageRequest(
        prompt=prompt,
        negative_prompt=negative_prompt,
        size=size,
        output_format=output_format,
        seed=seed,
        image_b64=image[0] if image else None,
        strength=image[1] if image else None,
    )

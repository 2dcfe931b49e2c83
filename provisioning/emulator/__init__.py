"""A local stand-in for the Azure serverless image endpoints of the Stability AI models (docs/architecture.md,
Verification and the emulator).

Nobody can smoke-test without paying for images, and pipelines need a target that behaves like the
real endpoints: `maas verify --emulate` runs against this, credential-free.

    from provisioning.emulator import EmulatorSettings, running_emulator
    with running_emulator(EmulatorSettings(regions=("eastus2",), latency_ms=50)) as emu:
        emu.base_url     # http://127.0.0.1:PORT (127.0.0.1 only, ever)
        emu.inventory    # list[InventoryEndpoint] with working keys
    # A stack's planned endpoints (the names `maas plan` shows), 10 requests per 1 s each:
    running_emulator(settings_for_config(config, requests_per_minute=10, rate_window_s=1), planned_fleet(config))

The contract it serves (one port; each endpoint under its own prefix `/<region>/<endpoint-name>`,
which is the endpoint's `uri`; names from infra.naming, e.g. `maas-emu-main-sd35l`):

Azure dialect (dialect="azure" in the inventory), one endpoint per region x project x model
(`projects`, default ("main",), scales the fleet out like workspaces: 6 regions x 3 projects = 54):
  POST {uri}/images/generations   (what working clients call)
  POST {uri}/image/generations    (what the how-to page says) -- both behave identically.
  Auth: `Authorization: Bearer <key>`, the raw key in `Authorization`, or `api-key: <key>`.
    Missing or wrong key -> 401 wrapped {"error": {"code": "Unauthorized", "message", "status"}},
    `WWW-Authenticate: Bearer`; the key is never echoed.
  Body (JSON object): prompt (required), negative_prompt, image_prompt {image: base64, strength 0..1}
    (image-to-image models only), size (catalog SIZES, default 1024x1024), output_format png|jpeg
    (default png), seed (0..4294967294, default 0), model (if sent: the endpoint's model name or slug),
    n (1 only) and response_format ("b64_json" only) as the OpenAI SDK may send them.
  200: {"image": base64, "created": unix seconds}; the image is a real PNG/JPEG of exactly that size,
    deterministic from (model, prompt, negative_prompt, seed, size, format, image_prompt).
  Errors, flat {"status", "code", "message", "detail": {"loc": [...], "input"?}} as the Azure AI model
    inference API documents them:
    400 invalid_json (malformed body), invalid_request_body (empty), missing_required_parameter,
        invalid_parameter_value (size/format/seed/strength/model/image ... listing what is allowed),
        invalid_header_value (extra-parameters not error|drop|pass-through);
    400 content_filter {"status", "code": "content_filter", "message", "param": "prompt"}
        when prompt or negative_prompt contains the trigger word (case-insensitive);
    422 parameter_not_supported with detail.loc ["body", name]: unknown parameters (unless header
        `extra-parameters: pass-through` or `drop`, then ignored), image_prompt on a text-only model,
        n != 1, response_format "url";
    413 request_too_large (> 16 MiB, refused as the body arrives); 408 request_timeout (body not in within
    `body_timeout_s`). The key is checked before the body is read; a request head not complete within
    `header_timeout_s` (or larger than 64 KiB: 431) closes the connection.

Hosted dialect (dialect="hosted", project "hosted", one SD 3.5 Large endpoint in the first region):
  POST {uri}/image/generation with model (required), positive_prompt (required), negative_prompt,
  width/height, steps, cfg (bounds and defaults: catalog HOSTED_SD35_LARGE), seed, output_format.
  200: {"image", "created", "model", "seed", "width", "height", "steps", "cfg", "output_format",
  "cost_usd"}. Errors wrapped {"error": {"code", "message", "status", "param"}}: missing_parameter,
  invalid_parameter, unknown_parameter, content_filter (all 400).

Both dialects: a route of the other dialect or an unknown endpoint -> 404 wrapped NotFound; GET -> 405.
Per endpoint, at most `requests_per_minute` admitted requests in any `rate_window_s` (default 60 s;
catalog: 1,000 per minute) -> 429 wrapped too_many_requests with `Retry-After` (whole seconds until a
slot frees) and `retry-after-ms` (the precise wait); every endpoint of a region in `failing_regions`
answers 503 wrapped ServiceUnavailable (a regional outage), right after routing;
`throttle_rate` answers 429 at random with `Retry-After: retry_after_s`; `error_rate` answers 500
internal_server_error at random, half flat, half wrapped. `latency_ms` + uniform(0, `jitter_ms`) is
added to every request that reaches the model (valid, not content-filtered): its 500 and 200 answers.
Answers after a valid key carry `x-ratelimit-limit-requests` / `x-ratelimit-remaining-requests`;
every answer of an endpoint carries `x-request-id`. `GET /healthz` answers {"status": "ok"} without a key.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioning.emulator.fleet import FakeEndpoint, build_fleet, planned_fleet, settings_for_config
    from provisioning.emulator.server import Emulator, EmulatorError, running_emulator
    from provisioning.emulator.settings import EmulatorSettings, settings_problems

# Resolved on first use (PEP 562): `maas --help` reads the defaults in `settings` without paying
# for Starlette, Pillow and the server.
_WHERE = {
    "Emulator": "server",
    "EmulatorError": "server",
    "running_emulator": "server",
    "FakeEndpoint": "fleet",
    "build_fleet": "fleet",
    "planned_fleet": "fleet",
    "settings_for_config": "fleet",
    "EmulatorSettings": "settings",
    "settings_problems": "settings",
}

__all__ = [
    "Emulator",
    "EmulatorError",
    "EmulatorSettings",
    "FakeEndpoint",
    "build_fleet",
    "planned_fleet",
    "running_emulator",
    "settings_for_config",
    "settings_problems",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value

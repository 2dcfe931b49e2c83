"""The Azure image-API contract, both ways, over real HTTP on loopback."""

from __future__ import annotations

import base64
import time

import httpx
import pytest
from PIL import ImageStat

from infra.catalog import (
    CONTENT_FILTER_CODE,
    MODELS,
    PARAMETER_NOT_SUPPORTED_CODE,
    SIZES,
    Capability,
    Route,
)
from infra.naming import ENDPOINT_RULE
from provisioning.emulator import Emulator
from provisioning.inputs.inventory import parse_inventory
from tests.support.emulator_calls import bearer, decode, find, key_of, png_b64

SD35 = "stable-diffusion-3.5-large"
CORE = "stable-image-core"
ULTRA = "stable-image-ultra"


def post(client: httpx.Client, url: str, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post(url, json=body, headers=headers or {})


# -- inventory ------------------------------------------------------------------------------------------


def test_inventory_has_every_region_model_and_one_hosted_endpoint(emu: Emulator) -> None:
    inventory = emu.inventory
    azure = [(e.region, e.model) for e in inventory if e.dialect == "azure"]
    assert sorted(azure) == sorted((r, m) for r in ("eastus2", "westus3") for m in MODELS)
    hosted = [e for e in inventory if e.dialect == "hosted"]
    assert len(hosted) == 1 and hosted[0].model == SD35
    keys = [key_of(e) for e in inventory]
    assert len(set(keys)) == len(keys) and all(len(k) == 32 and k.isalnum() for k in keys)
    for e in inventory:
        assert ENDPOINT_RULE.problem(e.name) is None
        assert e.uri == f"{emu.base_url}/{e.region}/{e.name}"
        assert e.uri.startswith("http://127.0.0.1:")
    # The inventory round-trips through the verifier's parser (the stack `endpoints` shape).
    parsed = parse_inventory({"endpoints": [e.inventory_dict() for e in inventory]})
    assert [p.name for p in parsed] == [e.name for e in inventory]


# -- routes and auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [Route.IMAGES_GENERATIONS, Route.IMAGE_GENERATIONS])
@pytest.mark.parametrize("style", ["bearer", "raw", "api-key"])
def test_both_routes_and_every_auth_form_answer_200(
    emu: Emulator, client: httpx.Client, route: Route, style: str
) -> None:
    ep = find(emu, CORE, region="westus3")
    key = key_of(ep)
    headers = {"bearer": {"Authorization": f"Bearer {key}"}, "raw": {"Authorization": key}, "api-key": {"api-key": key}}
    response = post(client, ep.uri + route, {"prompt": "a lighthouse"}, headers[style])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"image", "created"}
    assert isinstance(answer["created"], int) and abs(answer["created"] - time.time()) < 120
    assert decode(answer).size == (1024, 1024)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key-0123456789"}, {"api-key": "nope-nope-nope"}, {"Authorization": "Bearer"}],
    ids=["none", "wrong-bearer", "wrong-api-key", "empty-bearer"],
)
def test_missing_or_wrong_key_is_401_without_echo(emu: Emulator, client: httpx.Client, headers: dict[str, str]) -> None:
    ep = find(emu, ULTRA)
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, {"prompt": "x"}, headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "Unauthorized" and "Bearer" in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    for value in headers.values():
        secret = value.removeprefix("Bearer").strip()
        if secret:
            assert secret not in response.text


def test_another_endpoints_key_is_refused(emu: Emulator, client: httpx.Client) -> None:
    core, ultra = find(emu, CORE), find(emu, ULTRA)
    response = post(client, core.uri + Route.IMAGES_GENERATIONS, {"prompt": "x"}, bearer(ultra))
    assert response.status_code == 401
    assert key_of(ultra) not in response.text and key_of(core) not in response.text


def test_unknown_endpoint_wrong_dialect_route_and_method(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, CORE)
    missing = post(client, f"{emu.base_url}/eastus2/nobody-here{Route.IMAGES_GENERATIONS}", {"prompt": "x"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NotFound"
    wrong = post(client, ep.uri + Route.HOSTED_GENERATION, {"prompt": "x"}, bearer(ep))
    assert wrong.status_code == 404 and "azure dialect" in wrong.json()["error"]["message"]
    get = client.get(ep.uri + Route.IMAGES_GENERATIONS, headers=bearer(ep))
    assert get.status_code == 405 and get.json()["error"]["code"] == "MethodNotAllowed"


# -- body rules --------------------------------------------------------------------------------------------


def test_malformed_json_empty_body_and_non_object_are_400(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, CORE)
    url = ep.uri + Route.IMAGES_GENERATIONS
    headers = {**bearer(ep), "content-type": "application/json"}
    bad = client.post(url, content=b'{"prompt": "x",', headers=headers)
    assert bad.status_code == 400
    body = bad.json()
    assert body["status"] == 400 and body["code"] == "invalid_json" and "line 1" in body["message"]
    assert client.post(url, content=b"", headers=headers).status_code == 400
    listed = post(client, url, ["prompt"], bearer(ep))
    assert listed.status_code == 400 and listed.json()["detail"]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("body", "loc", "status"),
    [
        ({}, ["body", "prompt"], 400),
        ({"prompt": "   "}, ["body", "prompt"], 400),
        ({"prompt": 7}, ["body", "prompt"], 400),
        ({"prompt": "x", "negative_prompt": ["no"]}, ["body", "negative_prompt"], 400),
        ({"prompt": "x", "seed": -1}, ["body", "seed"], 400),
        ({"prompt": "x", "seed": True}, ["body", "seed"], 400),
        ({"prompt": "x", "output_format": "gif"}, ["body", "output_format"], 400),
        ({"prompt": "x", "model": "Stable-Image-Ultra"}, ["body", "model"], 400),
        ({"prompt": "x", "n": 2}, ["body", "n"], 422),
        ({"prompt": "x", "response_format": "url"}, ["body", "response_format"], 422),
    ],
)
def test_invalid_parameters_name_the_parameter(
    emu: Emulator, client: httpx.Client, body: dict[str, object], loc: list[str], status: int
) -> None:
    ep = find(emu, CORE)
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, body, bearer(ep))
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["status"] == status and answer["detail"]["loc"] == loc
    assert loc[-1] in answer["message"]


@pytest.mark.parametrize("size", ["512x512", "1024x1025", "big", 1024])
def test_unsupported_size_lists_the_allowed_ones(emu: Emulator, client: httpx.Client, size: object) -> None:
    ep = find(emu, SD35)
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, {"prompt": "x", "size": size}, bearer(ep))
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid_parameter_value" and answer["detail"]["loc"] == ["body", "size"]
    assert all(str(s) in answer["message"] for s in SIZES)


def test_model_in_body_must_name_the_endpoints_model(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, ULTRA)
    for model in ("Stable-Image-Ultra", "stable-image-ultra"):
        response = post(client, ep.uri + Route.IMAGES_GENERATIONS, {"prompt": "x", "model": model}, bearer(ep))
        assert response.status_code == 200, response.text


def test_openai_sdk_shaped_request_works(emu: Emulator, client: httpx.Client) -> None:
    """What `OpenAI(base_url=target).images.generate(prompt=..., size=..., model=..., n=1,
    response_format="b64_json")` sends; the answer is Azure's {image, created}."""
    ep = find(emu, CORE)
    body = {"prompt": "a fox", "size": "1366x768", "model": "Stable-Image-Core", "n": 1, "response_format": "b64_json"}
    headers = {**bearer(ep), "User-Agent": "OpenAI/Python 1.54.0", "X-Stainless-Lang": "python"}
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, body, headers)
    assert response.status_code == 200, response.text
    assert decode(response.json()).size == (1366, 768)


def test_unknown_parameters_422_unless_pass_through(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, SD35)
    url = ep.uri + Route.IMAGES_GENERATIONS
    body = {"prompt": "x", "style_preset": "anime", "aspect_ratio": "1:1"}
    refused = post(client, url, body, bearer(ep))
    assert refused.status_code == 422
    answer = refused.json()
    assert answer["code"] == PARAMETER_NOT_SUPPORTED_CODE and answer["status"] == 422
    assert answer["detail"] == {"loc": ["body", "aspect_ratio"], "input": "1:1"}
    assert "style_preset" in answer["message"]
    for mode in ("pass-through", "drop"):
        passed = post(client, url, body, {**bearer(ep), "extra-parameters": mode})
        assert passed.status_code == 200, passed.text
    bad_header = post(client, url, body, {**bearer(ep), "extra-parameters": "maybe"})
    assert bad_header.status_code == 400 and bad_header.json()["code"] == "invalid_header_value"


# -- images --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "fmt"), [(SIZES[0], "png"), (SIZES[-1], "jpeg"), (SIZES[3], "jpeg")])
def test_image_has_exactly_the_requested_size_and_format(
    emu: Emulator, client: httpx.Client, size: object, fmt: str
) -> None:
    ep = find(emu, ULTRA, region="westus3")
    body = {"prompt": "mountains at dawn", "size": str(size), "output_format": fmt, "seed": 3}
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, body, bearer(ep))
    assert response.status_code == 200, response.text
    image = decode(response.json())
    assert image.format == fmt.upper() and f"{image.width}x{image.height}" == str(size)
    stat = ImageStat.Stat(image.convert("L"))
    assert stat.stddev[0] > 10, "the image must not be blank"
    assert len(image.convert("RGB").resize((32, 32)).getcolors(1024) or []) > 20


def test_same_inputs_same_bytes_other_inputs_other_bytes(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, SD35)
    url = ep.uri + Route.IMAGES_GENERATIONS

    def image(**body: object) -> bytes:
        response = post(client, url, {"prompt": "a red boat", "size": "836x1254", **body}, bearer(ep))
        assert response.status_code == 200, response.text
        return base64.b64decode(response.json()["image"])

    first = image(seed=11)
    assert image(seed=11) == first
    # The other route and another region's endpoint of the same model draw the same picture too.
    other = find(emu, SD35, region="westus3")
    again = post(client, other.uri + Route.IMAGE_GENERATIONS, {"prompt": "a red boat", "size": "836x1254", "seed": 11},
                 bearer(other))
    assert base64.b64decode(again.json()["image"]) == first
    variants = {image(seed=12), image(seed=11, prompt="a blue boat"), image(seed=11, negative_prompt="fog")}
    assert first not in variants and len(variants) == 3
    core = find(emu, CORE)
    same_body = {"prompt": "a red boat", "size": "836x1254", "seed": 11}
    by_core = post(client, core.uri + Route.IMAGES_GENERATIONS, same_body, bearer(core))
    assert base64.b64decode(by_core.json()["image"]) != first


def test_image_to_image_on_sd35(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, SD35)
    url = ep.uri + Route.IMAGES_GENERATIONS
    body = {"prompt": "make it blue", "image_prompt": {"image": png_b64(), "strength": 0.4}, "output_format": "jpeg"}
    response = post(client, url, body, bearer(ep))
    assert response.status_code == 200, response.text
    image = decode(response.json())
    assert image.format == "JPEG" and image.size == (1024, 1024)
    # strength changes the picture; the input image matters.
    weaker = post(client, url, {**body, "image_prompt": {"image": png_b64(), "strength": 0.9}}, bearer(ep))
    other_input = post(
        client, url, {**body, "image_prompt": {"image": png_b64(colour=(0, 90, 0)), "strength": 0.4}}, bearer(ep)
    )
    assert len({response.json()["image"], weaker.json()["image"], other_input.json()["image"]}) == 3


@pytest.mark.parametrize(
    ("image_prompt", "loc"),
    [
        ({"strength": 0.5}, ["body", "image_prompt", "image"]),
        ({"image": png_b64()}, ["body", "image_prompt", "strength"]),
        ({"image": png_b64(), "strength": 1.5}, ["body", "image_prompt", "strength"]),
        ({"image": "not base64 !!", "strength": 0.5}, ["body", "image_prompt", "image"]),
        ({"image": base64.b64encode(b"plain text, not an image").decode(), "strength": 0.5},
         ["body", "image_prompt", "image"]),
        ({"image": png_b64((20, 20)), "strength": 0.5}, ["body", "image_prompt", "image"]),
        ("just a string", ["body", "image_prompt"]),
    ],
)
def test_bad_image_prompt_is_400_naming_the_field(
    emu: Emulator, client: httpx.Client, image_prompt: object, loc: list[str]
) -> None:
    ep = find(emu, SD35)
    body = {"prompt": "x", "image_prompt": image_prompt}
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, body, bearer(ep))
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["loc"] == loc


def test_image_prompt_unknown_field_is_422(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, SD35)
    body = {"prompt": "x", "image_prompt": {"image": png_b64(), "strength": 0.5, "mask": "m"}}
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, body, bearer(ep))
    assert response.status_code == 422 and response.json()["detail"]["loc"] == ["body", "image_prompt", "mask"]


@pytest.mark.parametrize("model", [m.slug for m in MODELS.values() if not m.supports(Capability.IMAGE_TO_IMAGE)])
def test_text_only_models_refuse_image_prompt_naming_it(emu: Emulator, client: httpx.Client, model: str) -> None:
    ep = find(emu, model)
    body = {"prompt": "x", "image_prompt": {"image": png_b64(), "strength": 0.5}}
    response = post(client, ep.uri + Route.IMAGES_GENERATIONS, body, bearer(ep))
    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == PARAMETER_NOT_SUPPORTED_CODE and answer["detail"]["loc"] == ["body", "image_prompt"]
    assert "image_prompt" in answer["message"] and MODELS[model].name in answer["message"]
    assert "input" not in answer["detail"], "an image must never be echoed back"


def test_content_filter_word_gives_documented_400(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, CORE)
    url = ep.uri + Route.IMAGES_GENERATIONS
    for body, param in (({"prompt": "a FORBIDDEN garden"}, "prompt"), ({"prompt": "ok", "negative_prompt": "forbidden"},
                                                                        "negative_prompt")):
        response = post(client, url, body, bearer(ep))
        assert response.status_code == 400
        answer = response.json()
        assert answer["code"] == CONTENT_FILTER_CODE and answer["status"] == 400 and answer["param"] == param
        assert "filtered" in answer["message"]


# -- hosted dialect -------------------------------------------------------------------------------------------


def test_hosted_dialect_generates_and_prices(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, SD35, dialect="hosted")
    body = {
        "model": "stable-diffusion-3.5-large",
        "positive_prompt": "a city at night",
        "negative_prompt": "blur",
        "width": 768,
        "height": 512,
        "steps": 40,
        "cfg": 5,
        "seed": 9,
    }
    response = post(client, ep.uri + Route.HOSTED_GENERATION, body, bearer(ep))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert decode(answer).size == (768, 512) and isinstance(answer["created"], int)
    assert answer["steps"] == 40 and answer["cfg"] == 5.0 and answer["seed"] == 9
    assert answer["cost_usd"] == pytest.approx(768 * 512 / 1e6 * 0.0019 + 10 * 0.00005, abs=1e-6)
    same = post(client, ep.uri + Route.HOSTED_GENERATION, body, {"api-key": key_of(ep)})
    assert same.json()["image"] == answer["image"]
    fewer_steps = post(client, ep.uri + Route.HOSTED_GENERATION, {**body, "steps": 20}, bearer(ep))
    assert fewer_steps.json()["image"] != answer["image"]


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"positive_prompt": "x"}, "missing_parameter", "model"),
        ({"model": "stable-diffusion-3.5-large"}, "missing_parameter", "positive_prompt"),
        ({"model": "dall-e-3", "positive_prompt": "x"}, "invalid_parameter", "model"),
        ({"model": "stable-diffusion-3.5-large", "positive_prompt": "x", "width": 100}, "invalid_parameter", "width"),
        ({"model": "stable-diffusion-3.5-large", "positive_prompt": "x", "steps": 0}, "invalid_parameter", "steps"),
        ({"model": "stable-diffusion-3.5-large", "positive_prompt": "x", "cfg": "high"}, "invalid_parameter", "cfg"),
        ({"model": "stable-diffusion-3.5-large", "prompt": "x"}, "unknown_parameter", "prompt"),
        ({"model": "stable-diffusion-3.5-large", "positive_prompt": "forbidden fruit"}, "content_filter",
         "positive_prompt"),
    ],
)
def test_hosted_dialect_errors_are_wrapped(
    emu: Emulator, client: httpx.Client, body: dict[str, object], code: str, param: str
) -> None:
    ep = find(emu, SD35, dialect="hosted")
    response = post(client, ep.uri + Route.HOSTED_GENERATION, body, bearer(ep))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["param"] == param and error["status"] == 400


def test_hosted_endpoint_needs_its_key_and_its_route(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, SD35, dialect="hosted")
    body = {"model": "stable-diffusion-3.5-large", "positive_prompt": "x"}
    assert post(client, ep.uri + Route.HOSTED_GENERATION, body).status_code == 401
    assert post(client, ep.uri + Route.IMAGES_GENERATIONS, {"prompt": "x"}, bearer(ep)).status_code == 404


def test_oversized_body_is_413_and_the_connection_stays_usable(emu: Emulator, client: httpx.Client) -> None:
    ep = find(emu, CORE)
    url = ep.uri + Route.IMAGES_GENERATIONS
    huge = b'{"prompt": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    response = client.post(url, content=huge, headers={**bearer(ep), "content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert post(client, url, {"prompt": "after"}, bearer(ep)).status_code == 200

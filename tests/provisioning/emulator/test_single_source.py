"""Facts the emulator and the verifier share come from one place: the hosted offer's bounds and
defaults from the catalog, the emulator's default fleet from its own defaults (also in `--help`);
and text the emulator quotes back is scrubbed before it is shortened."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from infra.catalog import HOSTED_SD35_LARGE as OFFER
from infra.catalog import Route, Size
from provisioning.cli import app
from provisioning.emulator import Emulator, EmulatorSettings
from provisioning.emulator.defaults import DEFAULT_PROJECTS, DEFAULT_REGIONS
from provisioning.emulator.hosted_dialect import parse_request
from provisioning.emulator.wire import ApiError
from provisioning.redact import REDACTOR
from provisioning.verify.dialects import DIALECTS
from tests.support.emulator_calls import bearer, find

BASE = {"model": OFFER.model, "positive_prompt": "an apple"}


def test_hosted_request_defaults_are_the_catalogs() -> None:
    request = parse_request(BASE)
    assert request.cfg == OFFER.default_cfg and request.steps == OFFER.default_steps


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("width", OFFER.max_side, OFFER.max_side + 1),
        ("height", OFFER.min_side, OFFER.min_side - 1),
        ("steps", OFFER.max_steps, OFFER.max_steps + 1),
        ("steps", OFFER.min_steps, OFFER.min_steps - 1),
        ("cfg", OFFER.max_cfg, OFFER.max_cfg + 0.5),
    ],
)
def test_hosted_request_bounds_are_the_catalogs(field: str, good: float, bad: float) -> None:
    parse_request(BASE | {field: good})  # the bound itself is allowed
    with pytest.raises(ApiError) as refused:
        parse_request(BASE | {field: bad})
    assert refused.value.param == field


def test_verifier_speaks_the_hosted_dialect_with_the_catalogs_values() -> None:
    hosted = DIALECTS["hosted"]
    request = hosted.text_to_image(OFFER.route, Size(1024, 1024), "png", 1)
    assert request.payload["cfg"] == OFFER.default_cfg and request.payload["steps"] == OFFER.default_steps
    invalid = hosted.invalid_size(OFFER.route, "png", 1)
    assert max(invalid.size.width, invalid.size.height) < OFFER.min_side  # outside the offer's bounds
    with pytest.raises(ApiError):
        parse_request(BASE | {"width": invalid.size.width, "height": invalid.size.height})


def test_emulator_defaults_are_stated_once_and_shown_in_the_help() -> None:
    settings = EmulatorSettings()
    assert settings.regions == DEFAULT_REGIONS and settings.projects == DEFAULT_PROJECTS
    result = CliRunner().invoke(app, ["emulate", "--help"], env={"COLUMNS": "300"})
    text = " ".join(result.output.split())
    assert f"(default: {','.join(DEFAULT_REGIONS)})" in text and f"default: {','.join(DEFAULT_PROJECTS)})" in text


SECRET = "emulator-quoted-secret-" + secrets.token_hex(16)


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    REDACTOR.add(SECRET)


def fragments(text: str, window: int = 8) -> list[str]:
    return [SECRET[i : i + window] for i in range(len(SECRET) - window + 1) if SECRET[i : i + window] in text]


def test_quoted_paths_and_values_never_carry_part_of_a_secret(emu: Emulator, client: httpx.Client) -> None:
    for lead in (170, 185, 195):  # the secret across the 200-character cut of the quoted path
        response = client.post(f"{emu.base_url}/{'a' * lead}{SECRET}", json={})
        assert response.status_code == 404 and not fragments(response.text), response.text
    hosted = find(emu, OFFER.model, dialect="hosted")
    for lead in (30, 45, 55):  # across the 60-character cut of the quoted model name
        body = BASE | {"model": "m" * lead + SECRET}
        response = client.post(hosted.uri + Route.HOSTED_GENERATION, json=body, headers=bearer(hosted))
        assert response.status_code == 400 and not fragments(response.text), response.text
    azure = find(emu, "stable-image-core")
    for lead in (10, 25, 35):  # across the 40-character cut of the quoted header
        headers = bearer(azure) | {"extra-parameters": "x" * lead + SECRET}
        response = client.post(azure.uri + Route.IMAGES_GENERATIONS, json={"prompt": "x"}, headers=headers)
        assert response.status_code == 400 and not fragments(response.text), response.text


def test_a_secret_in_a_prompt_is_never_drawn_into_the_image(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageDraw

    from provisioning.emulator.images import ImageJob, render

    drawn: list[str] = []
    real = ImageDraw.ImageDraw.text

    def recording(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> Any:
        drawn.append(str(text))
        return real(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", recording)
    for lead in (20, 40, 55):  # the caption is cut at 90 characters, the secret across the cut
        job = ImageJob(model="Stable-Image-Core", prompt="p" * lead + SECRET, size=Size(672, 1566), output_format="png")
        render(job)
    assert len(drawn) == 3 and not any(fragments(text) for text in drawn), drawn

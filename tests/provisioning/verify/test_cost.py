"""The cost guard counts billable images from the catalog's prices before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from infra.catalog import DEFAULT_SIZE, HOSTED_SD35_LARGE, MODELS
from provisioning.errors import BadInput
from provisioning.inputs.inventory import InventoryEndpoint
from provisioning.verify.cost import enforce, estimate
from provisioning.verify.options import VerifyOptions
from provisioning.verify.sources import targets_for


def inventory(key: str) -> list[InventoryEndpoint]:
    rows = [(m, "eastus", None) for m in MODELS] + [(HOSTED_SD35_LARGE.model, "westus", "hosted")]
    return [
        InventoryEndpoint.model_validate(
            {
                "region": r,
                "model": m,
                "name": f"e{i}",
                "key": key,
                "uri": f"https://e{i}.{r}.models.ai.azure.com",
                **({"dialect": d} if d else {}),
            }
        )
        for i, (m, r, d) in enumerate(rows)
    ]


def test_estimate_uses_catalog_prices_per_capability(helpers: Any) -> None:
    options = VerifyOptions()
    cost = estimate(targets_for(inventory(helpers.key), options), options)
    # SD 3.5 Large: text-to-image + image-to-image; Core and Ultra: text-to-image; hosted: one image
    expected = (
        2 * MODELS["stable-diffusion-3.5-large"].price_usd_per_image
        + MODELS["stable-image-core"].price_usd_per_image
        + MODELS["stable-image-ultra"].price_usd_per_image
        + HOSTED_SD35_LARGE.price_usd(DEFAULT_SIZE)
    )
    assert cost.endpoints == 4 and cost.images == 5
    assert cost.usd == pytest.approx(expected)
    assert "5 billable images" in cost.line()


def test_guard_refuses_above_max_images(helpers: Any) -> None:
    options = VerifyOptions()
    cost = estimate(targets_for(inventory(helpers.key), options), options)
    enforce(cost, 5)
    with pytest.raises(BadInput, match="exceeds --max-images 4; raise --max-images to at least 5"):
        enforce(cost, 4)


def test_targets_need_keys_and_a_consistent_dialect(helpers: Any) -> None:
    endpoints = inventory(helpers.key)
    keyless = endpoints[1].model_copy(update={"key": None})
    wrong_hosted = endpoints[1].model_copy(update={"dialect": "hosted", "uri": "https://other.eastus.example"})
    with pytest.raises(BadInput) as caught:
        targets_for([endpoints[0], keyless, wrong_hosted, endpoints[0]], VerifyOptions())
    lines = caught.value.lines()
    assert any("endpoints[1] (e1): no key" in line for line in lines)
    assert any("endpoints[2] (e1): the hosted dialect serves only" in line for line in lines)
    assert sum("appears 2 times" in line for line in lines) == 2


def test_dialect_option_applies_to_entries_without_one(helpers: Any) -> None:
    sd = inventory(helpers.key)[0]
    targets = targets_for([sd], VerifyOptions(dialect="hosted"))
    assert targets[0].dialect.name == "hosted"

"""What Azure offers: the regions, the Stability AI models and where each is sold, the image API's
sizes, formats, routes and per-deployment limits, and the hosted SD 3.5 Large offer.

Source: the Azure Machine Learning how-to for Stability AI models (serverless API, pay-as-you-go
through Azure Marketplace) and the public REST specs. See infra/catalog/__init__.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

# --------------------------------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """An Azure region that can host a workspace for a serverless Stability AI deployment."""

    name: str  # Azure's short name, as ARM and `az` spell it
    display_name: str  # as the portal spells it; accepted in config and normalised to `name`
    abbreviation: str  # short form used inside length-limited resource names


_REGIONS: Final = (
    Region("eastus", "East US", "eus"),
    Region("eastus2", "East US 2", "eus2"),
    Region("northcentralus", "North Central US", "ncus"),
    Region("southcentralus", "South Central US", "scus"),
    Region("westus", "West US", "wus"),
    Region("westus3", "West US 3", "wus3"),
)
REGIONS: Final = MappingProxyType({r.name: r for r in _REGIONS})


def normalise_region(value: str) -> str:
    """`East US 2`, `eastus2` and ` EastUS2 ` all name the same region; ARM wants `eastus2`."""
    return "".join(value.split()).lower()


# --------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------


class Capability(StrEnum):
    TEXT_TO_IMAGE = "text-to-image"
    IMAGE_TO_IMAGE = "image-to-image"


REGISTRY: Final = "azureml-stabilityai"
PUBLISHER: Final = "Stability AI"


@dataclass(frozen=True)
class ModelSpec:
    """A Stability AI model sold as a serverless API through Azure Marketplace."""

    slug: str  # the key users write in stack config
    name: str  # the registry model name, also what clients may send as `model`
    display_name: str
    short: str  # used inside length-limited endpoint names
    regions: tuple[str, ...]  # workspace regions where the serverless offer works
    capabilities: frozenset[Capability]
    price_usd_per_image: float  # marketplace list price; check the offer before budgeting

    @property
    def asset_id(self) -> str:
        """What `MarketplaceSubscription.properties.modelId` and `modelSettings.modelId` take."""
        return f"azureml://registries/{REGISTRY}/models/{self.name}"

    @property
    def resource_name(self) -> str:
        """Azure resource names cannot hold `.`; the model name with `.` replaced by `-`."""
        return self.name.replace(".", "-")

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities


_ALL_REGIONS: Final = tuple(r.name for r in _REGIONS)
_TEXT: Final = frozenset({Capability.TEXT_TO_IMAGE})

_MODELS: Final = (
    ModelSpec(
        slug="stable-diffusion-3.5-large",
        name="Stable-Diffusion-3.5-Large",
        display_name="Stable Diffusion 3.5 Large",
        short="sd35l",
        regions=_ALL_REGIONS,
        capabilities=frozenset({Capability.TEXT_TO_IMAGE, Capability.IMAGE_TO_IMAGE}),
        price_usd_per_image=0.065,
    ),
    ModelSpec(
        slug="stable-image-core",
        name="Stable-Image-Core",
        display_name="Stable Image Core",
        short="core",
        regions=_ALL_REGIONS,
        capabilities=_TEXT,
        price_usd_per_image=0.04,
    ),
    ModelSpec(
        slug="stable-image-ultra",
        name="Stable-Image-Ultra",
        display_name="Stable Image Ultra",
        short="ultra",
        regions=_ALL_REGIONS,
        capabilities=_TEXT,
        price_usd_per_image=0.08,
    ),
)
MODELS: Final = MappingProxyType({m.slug: m for m in _MODELS})
MODELS_BY_NAME: Final = MappingProxyType({m.name.lower(): m for m in _MODELS})
MODELS_BY_ASSET_ID: Final = MappingProxyType({m.asset_id.lower(): m for m in _MODELS})


def model_for_asset_id(asset_id: str) -> ModelSpec | None:
    """Azure echoes model ids with varying case and sometimes a `/versions/N` tail."""
    key = asset_id.strip().lower()
    if "/versions/" in key:
        key = key.split("/versions/", 1)[0]
    return MODELS_BY_ASSET_ID.get(key.rstrip("/"))


def model_id(model: ModelSpec, version: int | None = None) -> str:
    """The asset id a deployment names: versionless (Azure resolves the latest at creation) or pinned
    (`.../models/<Name>/versions/<n>`, the registry asset id form of the Azure ML asset-id docs)."""
    return model.asset_id if version is None else f"{model.asset_id}/versions/{version}"


def asset_version(asset_id: str) -> str | None:
    """The `/versions/<n>` part of a model id, or None for a versionless id."""
    _, sep, tail = asset_id.strip().partition("/versions/")
    return tail.strip("/") or None if sep else None


def regions_for(models: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
    """Regions offered by any of the given model slugs (all models when None), in catalog order."""
    chosen = [MODELS[s] for s in (models if models is not None else MODELS)]
    return tuple(r for r in REGIONS if any(r in m.regions for m in chosen))


# --------------------------------------------------------------------------------------------------
# The image API
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Size:
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000

    @classmethod
    def parse(cls, text: str) -> Size:
        """`1024x1024` -> Size(1024, 1024); raises ValueError on anything else."""
        w, sep, h = text.strip().lower().partition("x")
        if not sep or not w.isdigit() or not h.isdigit():
            raise ValueError(f"size {text!r} is not WIDTHxHEIGHT")
        return cls(int(w), int(h))


SIZES: Final = tuple(
    Size(w, h)
    for w, h in (
        (672, 1566),
        (768, 1366),
        (836, 1254),
        (916, 1145),
        (1024, 1024),
        (1145, 916),
        (1254, 836),
        (1366, 768),
        (1566, 672),
    )
)
DEFAULT_SIZE: Final = Size(1024, 1024)
OUTPUT_FORMATS: Final = ("png", "jpeg")
DEFAULT_OUTPUT_FORMAT: Final = "png"


class Route(StrEnum):
    """Paths under an endpoint's target URI."""

    IMAGES_GENERATIONS = "/images/generations"  # what working clients and SDKs call
    IMAGE_GENERATIONS = "/image/generations"  # what the how-to page says
    HOSTED_GENERATION = "/image/generation"  # the hosted provider's dialect


# Per deployment, documented for serverless endpoints.
TOKENS_PER_MINUTE: Final = 200_000
REQUESTS_PER_MINUTE: Final = 1_000
DEPLOYMENTS_PER_MODEL_PER_WORKSPACE: Final = 1

# Azure answers content filtering with this code (HTTP 400) and unsupported params with 422.
CONTENT_FILTER_CODE: Final = "content_filter"
PARAMETER_NOT_SUPPORTED_CODE: Final = "parameter_not_supported"

# The public host of a serverless endpoint: `<name>-<5 letters>.<region>.models.ai.azure.com`.
INFERENCE_HOST_SUFFIX: Final = "models.ai.azure.com"


@dataclass(frozen=True)
class HostedOffer:
    """A second provider of SD 3.5 Large with its own request dialect and per-megapixel price."""

    model: str
    route: Route
    price_usd_per_megapixel: float
    price_usd_per_extra_step: float
    included_steps: int
    default_steps: int
    # Request bounds and defaults of the dialect (width/height in pixels, sampling steps, guidance).
    min_side: int
    max_side: int
    min_steps: int
    max_steps: int
    default_cfg: float
    max_cfg: float  # cfg ranges from 0

    def price_usd(self, size: Size, steps: int | None = None) -> float:
        steps = self.default_steps if steps is None else steps
        extra = max(0, steps - self.included_steps)
        return size.megapixels * self.price_usd_per_megapixel + extra * self.price_usd_per_extra_step


HOSTED_SD35_LARGE: Final = HostedOffer(
    model="stable-diffusion-3.5-large",
    route=Route.HOSTED_GENERATION,
    price_usd_per_megapixel=0.0019,
    price_usd_per_extra_step=0.00005,
    included_steps=30,
    default_steps=30,
    min_side=256,
    max_side=2048,
    min_steps=1,
    max_steps=100,
    default_cfg=4.5,
    max_cfg=20.0,
)

"""The one place that states what Azure offers for Stability AI serverless endpoints.

Pure data, no Pulumi import: config validation, the Pulumi program, the policy rules, preflight,
the emulator and the verifier all read these facts from here, so a region added to a model or a
price change is a one-line edit. Source: the Azure Machine Learning how-to for Stability AI models
(serverless API, pay-as-you-go through Azure Marketplace) and the public REST specs.
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

# --------------------------------------------------------------------------------------------------
# Access: permissions per scope, personas, built-in roles
# --------------------------------------------------------------------------------------------------


class Scope(StrEnum):
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resourceGroup"
    WORKSPACE = "workspace"


@dataclass(frozen=True)
class Source:
    """Where a permission string comes from: ARM rejects a whole custom role when one of its actions
    matches no operation Azure publishes (`InvalidActionOrNotAction`), so every action is traced."""

    title: str
    url: str
    as_of: str  # the date of the page version that was read (its `ms.date`)


# The Azure ML how-to for serverless (Models-as-a-Service) deployments: the list of permissions a
# custom role needs. It is the origin of the list, not proof that each string is an operation.
HOW_TO: Final = Source(
    "Azure ML how-to: deploy models as serverless APIs, 'Permissions required to subscribe to model offerings'",
    "https://learn.microsoft.com/azure/machine-learning/how-to-deploy-models-serverless",
    "undated; the list read 2026-12-01 in MicrosoftDocs/azure-docs",
)
# Azure's generated RBAC operations reference (MicrosoftDocs/azure-docs,
# articles/role-based-access-control/permissions/*.md), which lists the operations that exist.
RBAC_OPERATIONS_ML: Final = Source(
    "Azure permissions for AI + machine learning, Microsoft.MachineLearningServices (generated reference)",
    "https://learn.microsoft.com/azure/role-based-access-control/permissions/ai-machine-learning",
    "2024-04-25",
)
RBAC_OPERATIONS_GENERAL: Final = Source(
    "Azure permissions for General, Microsoft.Marketplace and Microsoft.MarketplaceOrdering (generated reference)",
    "https://learn.microsoft.com/azure/role-based-access-control/permissions/general",
    "2024-04-25",
)

_ML_WORKSPACES: Final = "Microsoft.MachineLearningServices/workspaces"

# Every action a custom role of this project carries, with where it is listed as an operation.
# Microsoft.SaaS is absent from the generated reference: its actions rest on the how-to alone, and
# preflight checks them against ARM's live operations list where Azure publishes one.
ACTION_SOURCES: Final = MappingProxyType(
    {
        "Microsoft.MarketplaceOrdering/agreements/offers/plans/read": RBAC_OPERATIONS_GENERAL,
        "Microsoft.MarketplaceOrdering/agreements/offers/plans/sign/action": RBAC_OPERATIONS_GENERAL,
        # The reference spells it `offertypes`; ARM compares actions case-insensitively.
        "Microsoft.MarketplaceOrdering/offerTypes/publishers/offers/plans/agreements/read": RBAC_OPERATIONS_GENERAL,
        "Microsoft.Marketplace/offerTypes/publishers/offers/plans/agreements/read": RBAC_OPERATIONS_GENERAL,
        "Microsoft.SaaS/register/action": HOW_TO,
        "Microsoft.SaaS/resources/read": HOW_TO,
        "Microsoft.SaaS/resources/write": HOW_TO,
        f"{_ML_WORKSPACES}/marketplaceSubscriptions/read": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/marketplaceSubscriptions/write": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/marketplaceSubscriptions/delete": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/serverlessEndpoints/read": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/serverlessEndpoints/write": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/serverlessEndpoints/delete": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/serverlessEndpoints/listKeys/action": RBAC_OPERATIONS_ML,
        f"{_ML_WORKSPACES}/serverlessEndpoints/regenerateKeys/action": RBAC_OPERATIONS_ML,
    }
)

# What the how-to lists for the workspace scope, kept to explain the discrepancy (README, access
# section): Microsoft.MachineLearningServices has no `marketplaceModelSubscriptions` operation, so a
# role carrying that wildcard is rejected as a whole. The roles carry the operations that exist.
HOW_TO_WORKSPACE_PERMISSIONS: Final = (
    f"{_ML_WORKSPACES}/marketplaceModelSubscriptions/*",
    f"{_ML_WORKSPACES}/serverlessEndpoints/*",
)

PERMISSIONS: Final = MappingProxyType(
    {
        Scope.SUBSCRIPTION: (
            "Microsoft.MarketplaceOrdering/agreements/offers/plans/read",
            "Microsoft.MarketplaceOrdering/agreements/offers/plans/sign/action",
            "Microsoft.MarketplaceOrdering/offerTypes/publishers/offers/plans/agreements/read",
            "Microsoft.Marketplace/offerTypes/publishers/offers/plans/agreements/read",
            "Microsoft.SaaS/register/action",
        ),
        Scope.RESOURCE_GROUP: (
            "Microsoft.SaaS/resources/read",
            "Microsoft.SaaS/resources/write",
        ),
        # The how-to's two wildcards, spelled as the concrete operations the reference lists.
        Scope.WORKSPACE: (
            f"{_ML_WORKSPACES}/marketplaceSubscriptions/read",
            f"{_ML_WORKSPACES}/marketplaceSubscriptions/write",
            f"{_ML_WORKSPACES}/marketplaceSubscriptions/delete",
            f"{_ML_WORKSPACES}/serverlessEndpoints/read",
            f"{_ML_WORKSPACES}/serverlessEndpoints/write",
            f"{_ML_WORKSPACES}/serverlessEndpoints/delete",
            f"{_ML_WORKSPACES}/serverlessEndpoints/listKeys/action",
            f"{_ML_WORKSPACES}/serverlessEndpoints/regenerateKeys/action",
        ),
    }
)
assert all(a in ACTION_SOURCES for actions in PERMISSIONS.values() for a in actions), "every action has a source"


# `maas keys rotate` regenerates keys on the endpoint (covered by the workspace permissions above)
# and writes the fresh key through the Key Vault control plane (ARM), the API the Pulumi program
# uses to create the secret; these are the exact actions it checks before changing anything.
KEY_ROTATION_ACTIONS: Final = (
    "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/read",
    "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/listKeys/action",
    "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/regenerateKeys/action",
)
KEY_VAULT_SECRET_WRITE: Final = "Microsoft.KeyVault/vaults/secrets/write"  # noqa: S105 - an action name
# Everything `maas keys rotate` calls, by the scope it is checked at before the first call that needs
# it (Azure's operations reference for Microsoft.MachineLearningServices and Microsoft.KeyVault): it
# reads the workspace to find its vault, reads the endpoint (auth mode), lists and regenerates its keys,
# and reads and writes the endpoint's secret through the Key Vault control plane (metadata read, value
# write: the vault's data plane is never used, so no Key Vault data action is needed).
KEY_ROTATION_PERMISSIONS: Final = MappingProxyType(
    {
        "workspace": ("Microsoft.MachineLearningServices/workspaces/read",),
        "endpoint": KEY_ROTATION_ACTIONS,
        "keys vault": ("Microsoft.KeyVault/vaults/secrets/read", KEY_VAULT_SECRET_WRITE),
    }
)

# What each wildcard of PERMISSIONS stands for in practice: the known operations (ACTION_SOURCES) it
# matches. A caller holds a wildcard when every one of these is allowed by the union of its roles
# (each role's actions minus that role's notActions). Derived, so it cannot drift from the roles:
# today the roles carry concrete operations only and the map is empty.
def _wildcard_operations() -> dict[str, tuple[str, ...]]:
    import re

    def covered(wildcard: str, action: str) -> bool:
        pattern = "".join(".*" if ch == "*" else re.escape(ch) for ch in wildcard.lower())
        return re.fullmatch(pattern, action.lower()) is not None

    wildcards = [a for actions in PERMISSIONS.values() for a in actions if "*" in a]
    return {w: tuple(a for a in ACTION_SOURCES if "*" not in a and covered(w, a)) for w in wildcards}


WILDCARD_OPERATIONS: Final = MappingProxyType(_wildcard_operations())

# What the identity that runs `pulumi up` needs at the subscription, besides the deployer
# permissions above: the program creates three custom role definitions and their assignments, and
# the resources of every regional workspace, and reads each new definition until ARM serves it.
# Contributor lacks the two Microsoft.Authorization writes (its notActions), Role Based Access
# Control Administrator lacks roleDefinitions/write; Owner, or Contributor plus User Access
# Administrator, hold them all.
PROGRAM_ACTIONS: Final = (
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    "Microsoft.Storage/storageAccounts/write",
    "Microsoft.KeyVault/vaults/write",
    KEY_VAULT_SECRET_WRITE,
    "Microsoft.OperationalInsights/workspaces/write",
    "Microsoft.Insights/components/write",
    "Microsoft.MachineLearningServices/workspaces/write",
    # The wait between a custom role definition and its assignments reads the definition (infra.propagation).
    "Microsoft.Authorization/roleDefinitions/read",
)


class Persona(StrEnum):
    DEPLOYER = "deployer"  # subscribes workspaces to the offer and deploys endpoints
    CONSUMER = "consumer"  # reads endpoint keys from Key Vault and calls the endpoints
    AUDITOR = "auditor"  # reads everything, changes nothing


class PrincipalType(StrEnum):
    USER = "User"
    GROUP = "Group"
    SERVICE_PRINCIPAL = "ServicePrincipal"


@dataclass(frozen=True)
class BuiltInRole:
    name: str
    id: str  # the role definition GUID, the same in every tenant


READER: Final = BuiltInRole("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7")
KEY_VAULT_SECRETS_USER: Final = BuiltInRole("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6")
AZUREML_DATA_SCIENTIST: Final = BuiltInRole("AzureML Data Scientist", "f6c7c914-8db3-469d-8ca1-694a8f32e121")
# Never assigned by this project: far broader than the documented permissions.
OWNER: Final = BuiltInRole("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
CONTRIBUTOR: Final = BuiltInRole("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c")
USER_ACCESS_ADMINISTRATOR: Final = BuiltInRole(
    "User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
)
FORBIDDEN_ROLES: Final = (OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR)
KEY_VAULT_ADMINISTRATOR: Final = BuiltInRole("Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483")

# The workspace's own identity on its RBAC-mode Key Vault. Azure ML documents, for a workspace whose
# identity it does not set up itself (an existing vault, or a user-assigned identity), "Azure Key
# Vault (when using RBAC permission model): Contributor (control plane) + Key Vault Administrator
# (data plane)" (azure-docs, articles/machine-learning/how-to-identity-based-service-authentication.md,
# "User-assigned managed identity"; the same table in how-to-create-manage-runtime). That is the
# documented minimum: Key Vault Secrets Officer is not enough per the docs. Both are assigned on the
# workspace vault only, never on the keys vault, and the policy rules expect exactly this pair.
WORKSPACE_IDENTITY_VAULT_ROLES: Final = (CONTRIBUTOR, KEY_VAULT_ADMINISTRATOR)
# Not a persona of `access`: the word that leads these assignments' descriptions
# (`maas-fleet workspace-identity: <workspace> on its own vault`), how plan and policy rules know them.
WORKSPACE_IDENTITY: Final = "workspace-identity"
WORKSPACE_IDENTITY_SOURCE: Final = Source(
    "Azure ML: set up authentication between Azure Machine Learning and other services, user-assigned identity table",
    "https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication",
    "undated; table read 2026-12-01 in MicrosoftDocs/azure-docs",
)

# Microsoft's public client apps people sign in through (Azure CLI, Azure PowerShell, Visual Studio,
# VS Code). When the identity running `pulumi up` comes through one of them it is a User; any other
# client id belongs to a service principal or managed identity. ARM rejects a role assignment whose
# principalType does not match the principal, so the deploying identity's type must be right.
USER_SIGN_IN_CLIENT_IDS: Final = frozenset(
    {
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "1950a258-227b-4e31-a9cf-717495945fc2",
        "872cd9fa-d31f-45e0-9eab-6e460a02d1f1",
        "aebc6443-996d-45c2-90f0-388ff96faa56",
    }
)

# --------------------------------------------------------------------------------------------------
# Subscription prerequisites
# --------------------------------------------------------------------------------------------------

RESOURCE_PROVIDERS: Final = (
    "Microsoft.MachineLearningServices",
    "Microsoft.SaaS",
    "Microsoft.MarketplaceOrdering",
    "Microsoft.KeyVault",
    "Microsoft.Storage",
    "Microsoft.Insights",
    "Microsoft.OperationalInsights",
)

# Marketplace purchases need a paid subscription; these offers (subscriptionPolicies.quotaId
# prefixes) run on credits or are free and are rejected by the marketplace.
UNPAID_QUOTA_ID_PREFIXES: Final = (
    "FreeTrial_",
    "Sponsored_",
    "AzurePass_",
    "AzureForStudents_",
    "AzureForStudentsFree_",
    "MSDN_",
    "AAD_",
)

# --------------------------------------------------------------------------------------------------
# Resources the program creates
# --------------------------------------------------------------------------------------------------

ENDPOINT_SKU: Final = "Consumption"
ENDPOINT_AUTH_MODE: Final = "Key"
CONTENT_SAFETY_ENABLED: Final = "Enabled"
LOG_RETENTION_DAYS: Final = 30
LOG_ANALYTICS_SKU: Final = "PerGB2018"
STORAGE_SKU: Final = "Standard_LRS"
KEY_VAULT_SKU: Final = "standard"
# The minimum Azure allows: with purge protection on, a destroyed vault's name stays taken this long.
KEY_VAULT_SOFT_DELETE_DAYS: Final = 7
WORKSPACE_SKU: Final = "Basic"
KEY_SECRET_CONTENT_TYPE: Final = "maas-fleet/serverless-endpoint-key"
# How long an endpoint key may live. A serverless endpoint key is a long-lived bearer credential with
# no expiry of its own; 90 days is the rotation period the Azure security benchmark and common
# compliance regimes (PCI DSS, CIS) ask for credentials of this kind. The key's Key Vault secret
# carries the end of that period as its `exp` attribute, so Key Vault (Azure Policy "Key Vault
# secrets should have an expiration date", Event Grid SecretNearExpiry) and `maas keys status` see it.
KEY_LIFETIME_DAYS: Final = 90
# A key is "expiring" when less than this is left: one monthly scheduled rotation plus a margin, so a
# skipped or failed run shows up before the key runs out.
KEY_EXPIRY_WARNING_DAYS: Final = 30

# Every taggable resource the program creates carries these tags (the policy pack checks them).
TAG_MANAGED_BY: Final = "managed-by"
TAG_ENVIRONMENT: Final = "environment"
TAG_PROJECT: Final = "project"
REQUIRED_TAGS: Final = (TAG_MANAGED_BY, TAG_ENVIRONMENT, TAG_PROJECT)
# On the unit's keys vault only: how tools that start from a workspace (its `keyVault` is the
# workspace's own vault) find the vault holding its endpoint keys in the same resource group.
TAG_HOLDS: Final = "holds"
HOLDS_ENDPOINT_KEYS: Final = "endpoint-keys"
MANAGED_BY_VALUE: Final = "maas-fleet"


# --------------------------------------------------------------------------------------------------
# Enterprise options: diagnostics, protection, budgets, private networking
# --------------------------------------------------------------------------------------------------

PROD_ENVIRONMENT: Final = "prod"  # `protect` defaults on, and the policy pack expects private networking


@dataclass(frozen=True)
class DiagnosticTarget:
    """What a diagnostic setting sends for one resource type: log categories or category groups."""

    resource_type: str
    categories: tuple[str, ...] = ()
    category_groups: tuple[str, ...] = ()
    source: Source | None = None


DIAGNOSTIC_SETTING_NAME: Final = "maas-fleet-to-log-analytics"
# Resource-specific tables (AZKVAuditLogs, AmlDeploymentEvent, ...), which Azure Monitor recommends over
# the shared AzureDiagnostics table (Azure Monitor: resource logs, "Resource-specific").
DIAGNOSTIC_DESTINATION_TYPE: Final = "Dedicated"
DIAGNOSTIC_METRICS_CATEGORY: Final = "AllMetrics"
DIAGNOSTICS_KEY_VAULT: Final = DiagnosticTarget(
    "Microsoft.KeyVault/vaults",
    # "For Key Vault logs, AuditEvent is the single, available value": every secret read (SecretGet),
    # with the caller's identity and IP, i.e. who read an endpoint key.
    categories=("AuditEvent",),
    source=Source("Azure Key Vault logging", "https://learn.microsoft.com/azure/key-vault/general/logging",
                  "undated copy read 2026-12-01"),
)
DIAGNOSTICS_ML_WORKSPACE: Final = DiagnosticTarget(
    "Microsoft.MachineLearningServices/workspaces",
    # allLogs covers every category of the workspace (DeploymentReadEvent, ModelsActionEvent, ...); the
    # category list grows with the service, a category group follows it (category groups: Nov 2021).
    category_groups=("allLogs",),
    source=Source(
        "Supported logs for Microsoft.MachineLearningServices/workspaces",
        "https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/"
        "microsoft-machinelearningservices-workspaces-logs",
        "2026-07-09",
    ),
)

LOCK_LEVEL: Final = "CanNotDelete"  # members may still read and change resources, not delete them
LOCK_NAME: Final = "maas-fleet-do-not-delete"

# Budgets (azure-native consumption:Budget at resource-group scope; Cost Management budgets API).
BUDGET_NAME: Final = "maas-fleet-monthly"
BUDGET_TIME_GRAIN: Final = "Monthly"
BUDGET_CATEGORY: Final = "Cost"
BUDGET_DEFAULT_THRESHOLDS: Final = (80.0, 100.0)  # percent of the amount, actual spend
BUDGET_MAX_NOTIFICATIONS: Final = 5  # "Budget can have up to five notifications" (Budgets REST API)
BUDGET_MAX_THRESHOLD: Final = 1000.0  # percent; thresholds are > 0 and <= 1000 (Budgets REST API)
BUDGET_OPERATOR: Final = "GreaterThanOrEqualTo"
HOURS_PER_MONTH: Final = 730  # the month Azure's pricing calculator and retail prices use (8,760 h / 12)

# Private networking. Sub-resources (group ids) and their private DNS zones, as Azure's table "Azure
# Private Endpoint private DNS zone values" lists them for the public cloud
# (https://learn.microsoft.com/azure/private-link/private-endpoint-dns): Azure Machine Learning
# `amlworkspace` -> privatelink.api.azureml.ms + privatelink.notebooks.azure.net; Key Vault `vault` ->
# privatelink.vaultcore.azure.net; Storage `blob` / `file` -> privatelink.blob / privatelink.file
# .core.windows.net. Serverless endpoints follow their workspace's public network access flag (Azure ML:
# "Network isolation with serverless API endpoints"), so they get no private endpoint of their own.
PUBLIC_NETWORK_ACCESS: Final = ("Enabled", "Disabled")
PRIVATE_DNS_ZONES: Final = MappingProxyType({
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    "vault": ("privatelink.vaultcore.azure.net",),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
})
PRIVATE_DNS_ZONE_GROUP_NAME: Final = "default"

# Resource providers the options add to RESOURCE_PROVIDERS (Azure resource providers by service).
BUDGET_RESOURCE_PROVIDER: Final = "Microsoft.Consumption"
NETWORK_RESOURCE_PROVIDER: Final = "Microsoft.Network"

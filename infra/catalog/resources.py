"""What the fleet needs of a subscription and how it builds its resources: resource providers,
paid offers, SKUs, key lifetime, tags, and the enterprise options' facts (diagnostics, protection,
budgets, private networking). See infra/catalog/__init__.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from infra.catalog.source import Source

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

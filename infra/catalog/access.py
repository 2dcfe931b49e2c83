"""Access: the permissions each scope's custom role carries (each action with the document that
lists it as an operation), what key rotation and `pulumi up` need, the personas, and the built-in
roles the fleet assigns or refuses. See infra/catalog/__init__.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from infra.catalog.source import Source

# --------------------------------------------------------------------------------------------------
# Access: permissions per scope, personas, built-in roles
# --------------------------------------------------------------------------------------------------


class Scope(StrEnum):
    SUBSCRIPTION = "subscription"
    RESOURCE_GROUP = "resourceGroup"
    WORKSPACE = "workspace"


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

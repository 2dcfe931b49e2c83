"""The resource types the fleet declares, and what every reader of them needs to know, stated once.

Three readers look at the same azure-native resources from different sides: the offline plan (which
must invent the ARM id Azure would give each resource), the policy rules (which name a resource in a
message, and restore name and parent inputs from a resource's outputs), and the audit (which lists
the same things through ARM and Resource Graph by their ARM type). A fact kept in three tables drifts;
this module is the bottom layer all three may import.

Sources: the type tokens and input names are pulumi-azure-native v3's (the SDK's `__init__` argument
names, camelCased on the wire); ARM types and id shapes are the REST API's
(`Microsoft.MachineLearningServices/workspaces/{workspaceName}/serverlessEndpoints/{name}` etc.).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

RESOURCE_GROUP: Final = "azure-native:resources:ResourceGroup"
STORAGE_ACCOUNT: Final = "azure-native:storage:StorageAccount"
KEY_VAULT: Final = "azure-native:keyvault:Vault"
KEY_VAULT_SECRET: Final = "azure-native:keyvault:Secret"  # noqa: S105 (a type token, not a password)
LOG_ANALYTICS: Final = "azure-native:operationalinsights:Workspace"
APP_INSIGHTS: Final = "azure-native:applicationinsights:Component"
ML_WORKSPACE: Final = "azure-native:machinelearningservices:Workspace"
MARKETPLACE_SUBSCRIPTION: Final = "azure-native:machinelearningservices:MarketplaceSubscription"
SERVERLESS_ENDPOINT: Final = "azure-native:machinelearningservices:ServerlessEndpoint"
ROLE_DEFINITION: Final = "azure-native:authorization:RoleDefinition"
ROLE_ASSIGNMENT: Final = "azure-native:authorization:RoleAssignment"
STACK: Final = "pulumi:pulumi:Stack"

# A parent is named by an input and sits in the resource's ARM id after a collection segment:
# (input key, lower-cased ARM id collection).
_RG: Final = ("resourceGroupName", "resourcegroups")
_WS: Final = ("workspaceName", "workspaces")
_VAULT: Final = ("vaultName", "vaults")

_RG_ID: Final = "/subscriptions/{sub}/resourceGroups/{resourceGroupName}"
_ML: Final = "Microsoft.MachineLearningServices/workspaces"


@dataclass(frozen=True)
class ResourceType:
    token: str  # the Pulumi type token (unversioned)
    label: str  # how a message names one: "serverless endpoint"
    name_input: str  # the input holding the Azure name (outputs call it `name`); "" when none
    arm_type: str = ""  # the ARM resource type, as ARM ids and Resource Graph spell it
    # The ARM id, from the subscription `{sub}`, the Azure name `{name}` and the inputs it names
    # (`{resourceGroupName}`, `{workspaceName}`, `{vaultName}`, `{scope}`).
    id_template: str = ""
    parents: tuple[tuple[str, str], ...] = ()  # (parent input, ARM id collection), outermost first
    shown_name_input: str = ""  # the input a message shows as the Azure name, when not `name_input`

    @property
    def parent_inputs(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.parents)

    @property
    def display_input(self) -> str:
        return self.shown_name_input or self.name_input

    def arm_id(self, subscription: str, name: str, inputs: Mapping[str, Any]) -> str:
        """The id Azure gives the resource (parents from `inputs`; a role's scope defaults to the
        subscription, as Azure's own default is)."""
        values = {key: inputs.get(key, "") for key, _ in self.parents}
        scope = inputs.get("scope") or f"/subscriptions/{subscription}"
        return self.id_template.format(sub=subscription, name=name, scope=scope, **values)


RESOURCE_TYPES: Final[Mapping[str, ResourceType]] = {t.token: t for t in (
    ResourceType(RESOURCE_GROUP, "resource group", "resourceGroupName", "Microsoft.Resources/resourceGroups",
                 "/subscriptions/{sub}/resourceGroups/{name}"),
    ResourceType(STORAGE_ACCOUNT, "storage account", "accountName", "Microsoft.Storage/storageAccounts",
                 _RG_ID + "/providers/Microsoft.Storage/storageAccounts/{name}", (_RG,)),
    ResourceType(KEY_VAULT, "key vault", "vaultName", "Microsoft.KeyVault/vaults",
                 _RG_ID + "/providers/Microsoft.KeyVault/vaults/{name}", (_RG,)),
    ResourceType(KEY_VAULT_SECRET, "Key Vault secret", "secretName", "Microsoft.KeyVault/vaults/secrets",
                 _RG_ID + "/providers/Microsoft.KeyVault/vaults/{vaultName}/secrets/{name}", (_RG, _VAULT)),
    ResourceType(LOG_ANALYTICS, "Log Analytics workspace", "workspaceName",
                 "Microsoft.OperationalInsights/workspaces",
                 _RG_ID + "/providers/Microsoft.OperationalInsights/workspaces/{name}", (_RG,)),
    ResourceType(APP_INSIGHTS, "Application Insights component", "resourceName", "Microsoft.Insights/components",
                 _RG_ID + "/providers/Microsoft.Insights/components/{name}", (_RG,)),
    ResourceType(ML_WORKSPACE, "ML workspace", "workspaceName", _ML, _RG_ID + f"/providers/{_ML}/{{name}}", (_RG,)),
    ResourceType(MARKETPLACE_SUBSCRIPTION, "marketplace subscription", "name", f"{_ML}/marketplaceSubscriptions",
                 _RG_ID + f"/providers/{_ML}/{{workspaceName}}/marketplaceSubscriptions/{{name}}", (_RG, _WS)),
    ResourceType(SERVERLESS_ENDPOINT, "serverless endpoint", "name", f"{_ML}/serverlessEndpoints",
                 _RG_ID + f"/providers/{_ML}/{{workspaceName}}/serverlessEndpoints/{{name}}", (_RG, _WS)),
    # A role definition's Azure name is a GUID; messages show its human role name instead.
    ResourceType(ROLE_DEFINITION, "custom role", "roleDefinitionId", "Microsoft.Authorization/roleDefinitions",
                 "{scope}/providers/Microsoft.Authorization/roleDefinitions/{name}", shown_name_input="roleName"),
    ResourceType(ROLE_ASSIGNMENT, "role assignment", "roleAssignmentName", "Microsoft.Authorization/roleAssignments",
                 "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
    ResourceType(STACK, "stack", ""),
)}

# Which resource type a parent input points at, to fill it from a dependency's own name.
PARENT_TYPES: Final = {"resourceGroupName": RESOURCE_GROUP, "workspaceName": ML_WORKSPACE, "vaultName": KEY_VAULT}

WORKSPACE_ARM_TYPE: Final = RESOURCE_TYPES[ML_WORKSPACE].arm_type
ENDPOINT_ARM_TYPE: Final = RESOURCE_TYPES[SERVERLESS_ENDPOINT].arm_type
MARKETPLACE_ARM_TYPE: Final = RESOURCE_TYPES[MARKETPLACE_SUBSCRIPTION].arm_type

"""Azure built-in role definitions as the permissions API returns them (actions / notActions).

Source: the Azure built-in roles reference (learn.microsoft.com/azure/role-based-access-control/
built-in-roles), role ids as in infra/catalog. Only what the permission tests need.
"""

from __future__ import annotations

from typing import Any

_ML = "Microsoft.MachineLearningServices/workspaces"

# f6c7c914-8db3-469d-8ca1-694a8f32e121
AZUREML_DATA_SCIENTIST: dict[str, Any] = {
    "actions": [f"{_ML}/*/read", f"{_ML}/*/action", f"{_ML}/*/delete", f"{_ML}/*/write"],
    "notActions": [
        f"{_ML}/delete",
        f"{_ML}/write",
        f"{_ML}/computes/*/write",
        f"{_ML}/computes/*/delete",
        f"{_ML}/computes/listKeys/action",
        f"{_ML}/listKeys/action",
        f"{_ML}/hubs/write",
        f"{_ML}/hubs/delete",
        f"{_ML}/featurestores/write",
        f"{_ML}/featurestores/delete",
    ],
}

# acdd72a7-3385-48ef-bd42-f606fba81ae7
READER: dict[str, Any] = {"actions": ["*/read"], "notActions": []}

# b24988ac-6180-42a0-ab88-20f7382dd24c
CONTRIBUTOR: dict[str, Any] = {
    "actions": ["*"],
    "notActions": [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
    ],
}

# 8e3af657-a8ff-443c-a75c-2fe8c4bcb635
OWNER: dict[str, Any] = {"actions": ["*"], "notActions": []}

# 18d7d88d-d35e-4fb5-a5c3-7773c20a72d9
USER_ACCESS_ADMINISTRATOR: dict[str, Any] = {
    "actions": ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], "notActions": []}

# f58310d9-a9f6-439a-9e8d-f62e7b41a168
RBAC_ADMINISTRATOR: dict[str, Any] = {
    "actions": ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
                "*/read", "Microsoft.Support/*"],
    "notActions": [],
}

# 4633458b-17de-408a-b874-0445c86b69e6: data actions only, so it reads secret values on the data plane
# and nothing through ARM.
KEY_VAULT_SECRETS_USER: dict[str, Any] = {
    "actions": [],
    "notActions": [],
    "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action",
                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
    "notDataActions": [],
}

# 00482a5a-887f-4fb3-b363-3b7fe8e74483 (Azure built-in roles, Security: "Perform all data plane operations
# on a key vault and all objects in it ... Cannot manage key vault resources or manage role assignments.
# Only works for key vaults that use the 'Azure role-based access control' permission model").
KEY_VAULT_ADMINISTRATOR: dict[str, Any] = {
    "actions": ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
                "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read",
                "Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read",
                "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"],
    "notActions": [],
    "dataActions": ["Microsoft.KeyVault/vaults/*"],
    "notDataActions": [],
}

"""The resource-type table the plan, the rules and the audit share: ids shaped as ARM shapes them,
parents that the id template and the inputs agree on."""

from __future__ import annotations

import re

from infra.resource_types import (
    ENDPOINT_ARM_TYPE,
    RESOURCE_TYPES,
    ROLE_ASSIGNMENT,
    SERVERLESS_ENDPOINT,
    STACK,
)

SUB = "11111111-2222-3333-4444-555555555555"


def test_a_serverless_endpoint_id_is_the_rest_apis() -> None:
    kind = RESOURCE_TYPES[SERVERLESS_ENDPOINT]
    arm_id = kind.arm_id(SUB, "ep", {"resourceGroupName": "rg", "workspaceName": "ws"})
    assert arm_id == (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices"
                      "/workspaces/ws/serverlessEndpoints/ep")
    assert kind.parent_inputs == ("resourceGroupName", "workspaceName")
    assert ENDPOINT_ARM_TYPE == "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints"


def test_a_role_assignment_defaults_to_the_subscription_scope() -> None:
    kind = RESOURCE_TYPES[ROLE_ASSIGNMENT]
    assert kind.arm_id(SUB, "g", {}) == f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/g"
    assert kind.arm_id(SUB, "g", {"scope": "/x"}) == "/x/providers/Microsoft.Authorization/roleAssignments/g"


def test_every_template_names_exactly_its_parents() -> None:
    for token, kind in RESOURCE_TYPES.items():
        if token == STACK:
            continue
        placeholders = set(re.findall(r"\{(\w+)\}", kind.id_template)) - {"sub", "name", "scope"}
        assert placeholders == set(kind.parent_inputs), token
        assert kind.label and kind.name_input, token
        # the ARM type is the id's own path: the last provider segment's collections, in order
        collections = re.findall(r"/([A-Za-z]+)/\{", kind.id_template.split("/providers/")[-1])
        assert kind.arm_type.split("/")[1:] == collections or token.endswith("ResourceGroup"), token

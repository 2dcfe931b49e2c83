"""Every documented Azure error answer becomes one readable line: status, code, message, what to do."""

from __future__ import annotations

import json

import pytest

from provisioning.azure.errors import from_response, hint_for, parse_error_body
from provisioning.errors import ExitCode
from provisioning.redact import REDACTOR

SCOPE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
CASES = [
    (403, "AuthorizationFailed",
     "The client 'x' with object id 'o' does not have authorization to perform action "
     f"'Microsoft.MachineLearningServices/workspaces/serverlessEndpoints/write' over scope '{SCOPE}' or the scope "
     "is invalid.", ["deployer persona", "AzureML Data Scientist", SCOPE], ExitCode.FAILED),
    (403, "AuthorizationFailed",
     "does not have authorization to perform action 'Microsoft.MarketplaceOrdering/agreements/offers/plans/sign/"
     "action' over scope '/subscriptions/s' or the scope is invalid.",
     ["deployer persona (its subscription-scope custom role)"], ExitCode.FAILED),
    (401, "InvalidAuthenticationToken", "The access token is invalid.", ["az login", "MAAS_ACCESS_TOKEN"],
     ExitCode.BAD_INPUT),
    (401, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.",
     ["az login"], ExitCode.BAD_INPUT),
    (409, "MissingSubscriptionRegistration",
     "The subscription is not registered to use namespace 'Microsoft.SaaS'.",
     ["register Microsoft.SaaS", "maas preflight --fix"], ExitCode.FAILED),
    (409, "SubscriptionNotRegistered", "Subscription not registered.", ["maas preflight --fix"], ExitCode.FAILED),
    (400, "ServerlessModelNotAvailableInRegion", "Model Stable-Image-Core is not available in region westeurope.",
     ["eastus2", "maas-fleet:regions"], ExitCode.FAILED),
    (400, "ServerlessOfferNotFound", "The serverless offer was not found.",
     ["azureml://registries/azureml-stabilityai/models/"], ExitCode.FAILED),
    (400, "BadRequest", "Model mapping properties not found for the given model.",
     ["azureml://registries/azureml-stabilityai/models/"], ExitCode.FAILED),
    (400, "UserError", "The marketplace offer stability-ai.sd3-offer has been deprecated.",
     ["registry model id"], ExitCode.FAILED),
    # What a first `pulumi up` can meet (the fake ARM answers these shapes; sources cited there).
    (400, "UserError", "Serverless endpoint name 'meta-llama-2-7b-chat' is not available. Please select a "
     "different name.", ["another Azure customer", "maas-fleet:prefix", "maas preflight"], ExitCode.FAILED),
    (400, "UserError", "The specified endpoint name 'endpoint-command' is not available. Endpoint names must be "
     "unique within the region. Please choose a different name and try again.",
     ["another Azure customer"], ExitCode.FAILED),
    (400, "BadRequest", json.dumps({"errors": {"": ["There is already an endpoint with this name, Endpoint name "
                                                    "needs to be unique within a region. Try some other name."]},
                                    "title": "One or more validation errors occurred.", "status": 400}),
     ["another Azure customer", "maas-fleet:prefix", "maas preflight"], ExitCode.FAILED),
    (400, "InvalidActionOrNotAction", "'Microsoft.MachineLearningServices/workspaces/marketplaceModelSubscriptions/*' "
     "does not match any of the actions supported by the providers.",
     ["maas preflight", "infra/catalog/access.py PERMISSIONS"], ExitCode.FAILED),
    (400, "RoleDefinitionDoesNotExist", "The specified role definition with ID 'abc' does not exist.",
     ["wait a minute", "pulumi up"], ExitCode.FAILED),
    (400, "PrincipalNotFound", "Principal 1234 does not exist in the directory 5678.",
     ["wait a minute", "principalType"], ExitCode.FAILED),
    (404, "ResourceNotFound", "The Resource 'Microsoft.MachineLearningServices/workspaces/x' was not found.",
     ["does not exist", "pulumi up"], ExitCode.FAILED),
    (404, "ResourceGroupNotFound", "Resource group 'rg' could not be found.", ["--resource-group"], ExitCode.FAILED),
    (404, "SubscriptionNotFound", "The subscription 's' could not be found.", ["--subscription"], ExitCode.FAILED),
    (409, "Conflict", "The resource is being updated.", ["wait and retry"], ExitCode.FAILED),
    (429, "TooManyRequests", "Rate limit exceeded.", ["throttling", "Retry-After"], ExitCode.FAILED),
    (500, "InternalServerError", "Something went wrong.", ["Azure support", "request id corr-1"], ExitCode.FAILED),
]


@pytest.mark.parametrize(("status", "code", "message", "expected", "exit_code"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_each_error_is_one_line_with_what_to_do(status: int, code: str, message: str, expected: list[str],
                                                exit_code: ExitCode) -> None:
    err = from_response("reading things", status, {"error": {"code": code, "message": message}},
                        {"x-ms-correlation-request-id": "corr-1"})
    line = str(err)
    assert "\n" not in line
    assert line.startswith(f"reading things: HTTP {status} {code}: ")
    assert " -> " in line
    for fragment in expected:
        assert fragment in line, (fragment, line)
    assert err.exit_code == exit_code


def test_nested_details_surface_the_useful_code() -> None:
    body = {"error": {"code": "BadRequest", "message": "Validation failed",
                      "details": [{"code": "ServerlessModelNotAvailableInRegion", "message": "not here"}]}}
    assert parse_error_body(body) == ("ServerlessModelNotAvailableInRegion", "not here")


def test_flat_and_non_json_bodies() -> None:
    assert parse_error_body({"code": "Conflict", "message": "busy"}) == ("Conflict", "busy")
    assert parse_error_body(b"<html>gateway timeout</html>") == ("", "<html>gateway timeout</html>")
    err = from_response("x", 502, b"")
    assert "HTTP 502" in str(err) and "no error details" in str(err)


def test_long_messages_are_trimmed_and_secrets_scrubbed() -> None:
    REDACTOR.add("s3cr3t-key-value-123456")
    message = "bad s3cr3t-key-value-123456 " + "y" * 900
    err = from_response("x", 400, {"error": {"code": "BadRequest", "message": message}})
    assert "s3cr3t-key-value-123456" not in str(err)
    assert len(err.message) <= 300


def test_unknown_codes_still_give_a_line() -> None:
    assert hint_for(418, "Teapot", "short and stout") == ""
    assert str(from_response("x", 418, {"error": {"code": "Teapot", "message": "m"}})) == "x: HTTP 418 Teapot: m"

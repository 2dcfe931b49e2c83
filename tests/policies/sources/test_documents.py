"""`maas policy check` on stack exports and previews written from Pulumi's documented formats
(tests/policies/sources/fixtures/), both ways, with the CLI's exit codes and JSON shape."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from infra import resource_types as t
from policies.sources.documents import COMPUTED, SECRET_SIG, SIG_KEY, DocumentKind, record_from_state
from provisioning.cli import app
from provisioning.errors import BadInput
from provisioning.policy_check import check_text
from provisioning.redact import REDACTOR
from provisioning.ui import console

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[3]
# Secret values planted in the fixtures: none may ever be printed.
PLANTED = ("endpoint-key-value-0123456789abcdef", "sk-live-PLAINTEXT-KEY-0123456789", "primary-key-value-0123456789")


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def check(document: Any, source: str = "doc.json") -> Any:
    return check_text(json.dumps(document), source)


def found(report: Any) -> set[tuple[str, str]]:
    return {(v.policy, v.resource) for v in report.violations}


def run_cli(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["policy", "check", *args], input=stdin)


def assert_no_secret(text: str) -> None:
    for secret in PLANTED:
        assert secret not in text


# --------------------------------------------------------------------------------------------------
# Stack exports
# --------------------------------------------------------------------------------------------------


def test_clean_export_passes() -> None:
    report = check(load("stack-export-clean.json"))
    assert report.kind is DocumentKind.STACK_EXPORT
    assert report.violations == [] and int(report.exit_code) == 0
    types = {r.type for r in report.records}
    # Providers are skipped (their inputs may hold credentials); other types are read and ignored by the rules.
    assert not any(ty.startswith("pulumi:providers:") for ty in types)
    assert {"azure-native:network:VirtualNetwork", "random:index/randomPassword:RandomPassword", t.STACK} <= types
    # The endpoint pending deletion (in a forbidden region) is not part of the stack any more.
    assert "old-westeurope-core" not in {r.name for r in report.records}
    assert report.summary() == {"resources": 30, "endpoints": 3, "regions": 1, "violations": 0, "mandatory": 0,
                                "advisory": 0}


def test_export_records_are_input_shaped_with_secret_paths() -> None:
    records = {r.name: r for r in check(load("stack-export-clean.json")).records}
    secret = records["eastus2-main-stable-image-core-key"]
    assert secret.secret_paths == ("properties.value",) and "value" not in secret.properties["properties"]
    assert "properties.value" in secret.unknown_paths  # ciphertext: present but unreadable
    stack = records["maas-fleet-dev"]
    assert stack.secret_paths == ("endpoints[0].key", "endpoints[1].key", "endpoints[2].key")
    endpoint = records["eastus2-main-stable-image-core"]
    assert endpoint.properties["workspaceName"] == "mlw-contoso-dev-main-eus2"
    assert "eastus2-main-stable-image-core-sub" in endpoint.dependencies
    assert endpoint.parent == "eastus2-main-stable-image-core-component"
    random = records["webhook-token"]
    assert random.properties == {"length": 32, "special": False}


def test_tampered_export_is_caught_without_printing_the_key() -> None:
    report = check(load("stack-export-tampered.json"))
    assert found(report) == {
        ("endpoint-region-allowed", "hand-added-ultra"),
        ("workspace-region-allowed", "hand-added-ws"),
        ("content-safety-enabled", "hand-added-ultra"),
        ("keys-only-as-secrets", "maas-fleet-dev"),
        ("no-privileged-role-assignment", "break-glass-owner"),
    }
    assert int(report.exit_code) == 1
    region = next(v for v in report.violations if v.policy == "endpoint-region-allowed")
    assert "'westeurope'" in region.message and "Stable-Image-Ultra" in region.message
    key = next(v for v in report.violations if v.policy == "keys-only-as-secrets")
    assert "endpoints[0].key" in key.message
    assert_no_secret(json.dumps(report.as_dict()))


def test_show_secrets_export_decodes_plaintext_and_never_prints_it() -> None:
    document = load("stack-export-tampered.json")

    def reveal(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get(SIG_KEY) == SECRET_SIG:
                return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps("revealed-" + "x" * 24)}
            return {k: reveal(v) for k, v in node.items()}
        if isinstance(node, list):
            return [reveal(v) for v in node]
        return node

    report = check(reveal(document))
    assert ("keys-only-as-secrets", "maas-fleet-dev") in found(report)
    secret = next(r for r in report.records if r.name == "eastus2-main-stable-image-core-key")
    assert secret.properties["properties"]["value"] == "revealed-" + "x" * 24
    assert "properties.value" in secret.secret_paths
    assert "revealed-" + "x" * 24 in REDACTOR  # registered, so any output is scrubbed
    result = run_cli("-", "--format", "json", stdin=json.dumps(reveal(document)))
    assert result.exit_code == 1 and "revealed-" not in result.stdout + result.stderr


def test_checkpoint_and_version_4_are_read_the_same() -> None:
    document = load("stack-export-tampered.json")
    checkpoint = {"version": 3, "checkpoint": {"stack": "organization/maas-fleet/dev",
                                                "latest": document["deployment"]}}
    assert found(check(checkpoint)) == found(check(document))
    assert check(checkpoint).kind is DocumentKind.CHECKPOINT
    v4 = dict(document, version=4, features=["refreshBeforeUpdate"])
    assert found(check(v4)) == found(check(document))
    empty = check({"version": 3, "checkpoint": {"stack": "s", "latest": None}})
    assert empty.records == [] and empty.notes


# --------------------------------------------------------------------------------------------------
# Previews
# --------------------------------------------------------------------------------------------------


def test_hand_edited_preview() -> None:
    report = check(load("preview-hand-edited.json"))
    assert report.kind is DocumentKind.PREVIEW
    assert found(report) == {
        ("endpoint-region-allowed", "hand-added-core-sweden"),
        ("required-tags", "eastus2-main-kv"),
        ("keys-only-as-secrets", "manual-key"),
        ("no-privileged-role-assignment", "assign-auditor"),
    }
    names = {r.name for r in report.records}
    assert "legacy-westeurope-core" not in names  # deleted
    assert "kv-private-endpoint" in names  # other types are read and ignored
    # Blinded secrets: a secret path, not a value; computed values: unknown paths.
    rotated = next(r for r in report.records if r.name == "rotated-key")
    assert rotated.secret_paths == ("properties.value",)
    stack = next(r for r in report.records if r.type == t.STACK)
    assert "endpoints[3].key" in stack.secret_paths and "endpoints[3].uri" in stack.unknown_paths
    # The new endpoint depends on a subscription the preview does not show: no false alarm.
    assert not any(v.policy == "endpoint-depends-on-subscription" for v in report.violations)
    assert report.notes and "--show-sames" in report.notes[0]
    assert_no_secret(json.dumps(report.as_dict()))


def test_new_stack_preview_is_clean() -> None:
    report = check(load("preview-new-stack.json"))
    assert report.violations == [] and len(report.records) == 28
    endpoint = next(r for r in report.records if r.name == "eastus2-main-stable-image-core")
    assert endpoint.properties["location"] == "eastus2"


def test_preview_replacement_steps_keep_the_last_state_and_sames_silence_the_note() -> None:
    document = load("preview-hand-edited.json")
    step = next(s for s in document["steps"] if s["op"] == "replace")
    first = copy.deepcopy(step)
    first["op"] = "create-replacement"
    first["newState"]["inputs"]["roleDefinitionId"] = "acdd72a7-3385-48ef-bd42-f606fba81ae7"  # Reader
    document["steps"].insert(document["steps"].index(step), first)
    document["steps"].append({"op": "same", "urn": "urn:pulumi:dev::maas-fleet::a:b:C::x",
                              "newState": {"urn": "urn:pulumi:dev::maas-fleet::a:b:C::x", "type": "a:b:C"}})
    report = check(document)
    assert ("no-privileged-role-assignment", "assign-auditor") in found(report)
    assert report.notes == []


def test_preview_without_steps_is_an_empty_clean_preview() -> None:
    report = check({"changeSummary": {"same": 12}, "duration": 1000})
    assert report.records == [] and report.violations == []


# --------------------------------------------------------------------------------------------------
# Property decoding
# --------------------------------------------------------------------------------------------------


def test_decoding_signatures() -> None:
    state = {
        "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::kv",
        "type": t.KEY_VAULT,
        "inputs": {
            "__createBeforeDelete": True,
            "nan": {SIG_KEY: "8ad145fe-0d11-4827-bfd7-1abcbf086f5c", "value": "7ff8000000000001"},
            "ref": {SIG_KEY: "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:x", "id": "/subscriptions/s"},
            "out": {SIG_KEY: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "secret": True},
            "asset": {SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "text": "hello"},
            "list": ["a", COMPUTED],
        },
    }
    rec = record_from_state(state, "r", blinded_secrets=False)
    assert rec is not None
    p = rec.properties
    assert "__createBeforeDelete" not in p and p["nan"] != p["nan"] and p["ref"] == "/subscriptions/s"
    assert "out" not in p and rec.secret_paths == ("out",) and set(rec.unknown_paths) == {"out", "list[1]"}
    assert p["asset"] == {"text": "hello"} and p["list"] == ["a", None]
    # Resources with outputs only are read through their ARM id.
    outputs_only = {"urn": "urn:pulumi:dev::p::azure-native:machinelearningservices:ServerlessEndpoint::e",
                    "type": t.SERVERLESS_ENDPOINT,
                    "outputs": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/"
                                      "workspaces/ws/serverlessEndpoints/e1", "name": "e1", "location": "eastus"}}
    rec = record_from_state(outputs_only, "r", blinded_secrets=False)
    assert rec is not None and rec.properties == {"name": "e1", "location": "eastus", "resourceGroupName": "rg",
                                                  "workspaceName": "ws"}


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ([], "expected a JSON object, found a list"),
        ({"hello": 1}, "not a `pulumi stack export` document"),
        ({"version": 2, "deployment": {}}, "version: 2 is not a deployment version"),
        ({"version": 3, "deployment": []}, "deployment: expected an object"),
        ({"version": 3, "deployment": {"resources": {}}}, "deployment.resources: expected a list"),
        ({"version": 3, "deployment": {"resources": [{"type": "x"}]}}, "resources[0]: 'urn' is missing"),
        ({"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n"}]}}, "'type' is missing"),
        ({"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::t::n", "type": "t", "inputs": []}]}},
         "'inputs' must be an object"),
        ({"steps": {}}, "steps: expected a list"),
        ({"steps": [{"urn": "urn:pulumi:s::p::t::n"}]}, "steps[0]: 'op' is missing"),
        ({"steps": [{"op": "create", "urn": "nope"}]}, "steps[0]: 'urn' is missing or not a Pulumi URN"),
        ({"steps": [{"op": "create", "urn": "urn:pulumi:s::p::t::n", "newState": "x"}]},
         "steps[0].newState: expected an object"),
    ],
)
def test_malformed_documents(document: Any, says: str) -> None:
    with pytest.raises(BadInput) as info:
        check(document, "doc.json")
    assert says in str(info.value) and str(info.value).startswith("doc.json: ")
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------


def test_cli_json_shape_and_exit_codes() -> None:
    clean = run_cli(str(FIXTURES / "stack-export-clean.json"), "--format", "json")
    assert clean.exit_code == 0, clean.stderr
    document = json.loads(clean.stdout)
    assert set(document) >= {"violations", "summary"} and document["violations"] == []
    assert set(document["summary"]) >= {"resources", "endpoints", "regions", "violations"}

    tampered = run_cli(str(FIXTURES / "stack-export-tampered.json"), "--format", "json")
    assert tampered.exit_code == 1
    document = json.loads(tampered.stdout)
    assert document["summary"]["violations"] == len(document["violations"]) == 5
    for violation in document["violations"]:
        assert set(violation) == {"policy", "severity", "resource", "message", "fix"}
        assert violation["severity"] == "mandatory"
    assert_no_secret(tampered.stdout + tampered.stderr)


def test_cli_table_markdown_and_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.stdout, "width", 200)
    preview = (FIXTURES / "preview-hand-edited.json").read_text()
    table = run_cli("-", stdin=preview)
    assert table.exit_code == 1
    assert "endpoint-region-allowed" in table.stdout and "hand-added-core-sweden" in table.stdout
    assert "note: " in table.stderr and "--show-sames" in table.stderr
    markdown = run_cli(str(FIXTURES / "preview-hand-edited.json"), "--format", "markdown")
    assert markdown.exit_code == 1 and "| Severity | Policy | Resource | Message | Fix |" in markdown.stdout
    assert_no_secret(table.stdout + table.stderr + markdown.stdout)
    clean = run_cli(str(FIXTURES / "preview-new-stack.json"))
    assert clean.exit_code == 0 and "no violations" in clean.stdout


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: str(d / "missing.json"), "no such file"),
        (lambda d: str(d), "is a directory"),
        (lambda d: _write(d / "bad.json", b'{"steps": [}'), "not valid JSON (line 1, column 12"),
        (lambda d: _write(d / "bin.json", b"\xff\xfe\x00"), "not UTF-8 text"),
        (lambda d: _write(d / "other.json", b'{"name": "x"}'), "not a `pulumi stack export` document"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path: Path, make: Any, says: str) -> None:
    result = run_cli(make(tmp_path))
    assert result.exit_code == 2
    assert says in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


def test_cli_rejects_an_unknown_format() -> None:
    result = run_cli(str(FIXTURES / "preview-new-stack.json"), "--format", "html")
    assert result.exit_code == 2


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """Through the real entry point: exit codes and stderr as a pipeline sees them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    command = [sys.executable, "-m", "provisioning", "policy", "check"]
    bad = subprocess.run([*command, _write(tmp_path / "x.json", b"[1, 2")], capture_output=True, text=True,
                         env=env, timeout=60, check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    tampered = subprocess.run([*command, str(FIXTURES / "stack-export-tampered.json"), "--format", "json"],
                              capture_output=True, text=True, env=env, timeout=60, check=False)
    assert tampered.returncode == 1 and json.loads(tampered.stdout)["summary"]["mandatory"] == 5
    assert_no_secret(tampered.stdout + tampered.stderr)


def test_deeply_nested_document_is_bad_input() -> None:
    with pytest.raises(BadInput, match="nested too deeply"):
        check_text("[" * 100_000 + "]" * 100_000, "deep.json")

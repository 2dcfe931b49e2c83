"""`maas audit` as scripts and pipelines use it: exit codes, the JSON contract, subscriptions,
bad input (exit 2, nothing half-done), and no key anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.catalog import MODELS
from tests.support.audit_fleet import SUBS, plant_drift
from tests.support.fake_arm import write_stack

CELL_KEYS = {"subscription", "region", "project", "model", "endpoint", "status", "problems", "stack", "workspace",
             "resourceGroup", "provisioningState", "endpointState", "contentSafety", "marketplaceSubscription",
             "servedModel", "uri", "verify"}
SUMMARY_KEYS = {"cells", "ok", "drifted", "byStatus", "stacks", "subscriptions", "workspaces", "endpoints",
                "otherEndpoints", "errors", "managementCalls", "graphPages", "wallS"}


def test_json_contract(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 10)
    plant_drift(arm, fleet)
    run = maas("audit", *fleet.args(), "--format", "json")
    assert run.code == 1
    doc = json.loads(run.stdout)
    assert set(doc) == {"schemaVersion", "generatedAt", "source", "marketplaceSource", "stacks", "subscriptions",
                        "cells", "drift", "errors", "notes", "summary"}
    assert doc["schemaVersion"] == 1 and doc["generatedAt"].endswith("Z")
    assert all(set(c) == CELL_KEYS for c in doc["cells"])
    assert set(doc["summary"]) == SUMMARY_KEYS
    assert all(set(d) == {"subscription", "region", "project", "model", "endpoint", "status", "problems", "message",
                          "fix"} for d in doc["drift"])
    assert [s["name"] for s in doc["stacks"]] == ["dev", "test", "prod"]
    assert doc["stacks"][0] == {"name": "dev", "file": str(fleet.stacks["dev"]), "subscription": SUBS[0],
                                "subscriptionSource": "azure-native:subscriptionId in Pulumi.dev.yaml",
                                "inScope": True}
    assert [s["id"] for s in doc["subscriptions"]] == list(SUBS)
    assert doc["subscriptions"][0] == {"id": SUBS[0], "name": "maas dev", "state": "Enabled", "visible": True}
    assert {c["model"] for c in doc["cells"]} <= set(MODELS)


def test_repeatable_stack_option_reads_pulumi_files_here(arm, maas, build_fleet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(2, 5)
    monkeypatch.chdir(fleet.directory)
    run = maas("audit", "--stack", "dev", "--stack", "test", "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["cells"] == 2 * 5 * 3


def test_out_writes_the_chosen_format(arm, maas, build_fleet, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    for fmt, marker in (("json", '"schemaVersion": 1'), ("html", "<!doctype html>"), ("markdown", "## ✅ maas audit"),
                        ("table", "project p00")):
        out = tmp_path / "reports" / f"audit.{fmt}"
        run = maas("audit", *fleet.args(), "--format", fmt, "--out", str(out))
        assert run.code == 0 and run.stdout == ""
        assert marker in out.read_text()
        assert f"wrote the {fmt} report to {out}" in run.stderr


def test_explicit_subscription_narrows_the_scope(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(3, 5)
    run = maas("audit", *fleet.args(), "--subscription", SUBS[1].upper(), "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert {c["subscription"] for c in doc["cells"]} == {SUBS[1]}
    assert [s["inScope"] for s in doc["stacks"]] == [False, True, False]
    assert "stack dev deploys to subscription" in run.stderr and "not audited here" in run.stderr


def test_all_subscriptions_finds_extras_where_no_stack_lives(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    stray = "44444444-5555-4666-8777-888888888888"
    arm.add_subscription(stray, "sandbox")
    ws = arm.add_workspace(stray, "rg-play", "mlw-play", "eastus2")
    arm.add_endpoint(ws, "play-ultra", "stable-image-ultra")
    arm.add_subscription("55555555-6666-4777-8888-999999999999", "old", state="Disabled")
    run = maas("audit", *fleet.args(), "--all-subscriptions", "--format", "json")
    assert run.code == 1
    doc = json.loads(run.stdout)
    assert [s["id"] for s in doc["subscriptions"]] == [SUBS[0], stray]  # enabled ones only
    extra = [d for d in doc["drift"] if d["subscription"] == stray]
    assert [(d["status"], d["endpoint"]) for d in extra] == [("extra", "play-ultra")]
    # and the missing marketplace subscription of that stray endpoint is noted among its problems
    assert extra[0]["problems"] == ["subscription_missing", "extra"]


def test_a_stack_without_subscription_id_uses_the_single_subscription_given(arm, maas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    arm.add_subscription(SUBS[0])
    path = write_stack(tmp_path, "dev", None)
    run = maas("audit", "--config", str(path), "--subscription", SUBS[0], "--format", "json")
    doc = json.loads(run.stdout)
    assert run.code == 1 and doc["stacks"][0]["subscriptionSource"] == "--subscription"
    assert doc["summary"]["byStatus"]["missing"] == doc["summary"]["cells"] == 6  # nothing deployed yet
    run = maas("audit", "--config", str(path), "--subscription", SUBS[0], "--subscription", SUBS[1])
    assert run.code == 2 and "sets no azure-native:subscriptionId" in run.stderr


def test_a_stack_without_subscription_id_falls_back_to_the_environment(arm, maas, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    arm.add_subscription(SUBS[2])
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBS[2])
    path = write_stack(tmp_path, "dev", None)
    doc = json.loads(maas("audit", "--config", str(path), "--format", "json").stdout)
    assert doc["stacks"][0]["subscription"] == SUBS[2]
    assert doc["stacks"][0]["subscriptionSource"] == "AZURE_SUBSCRIPTION_ID"


def test_an_invisible_subscription_is_an_error_with_the_rest_audited(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(2, 5)
    del arm.subscriptions[SUBS[1]]  # the credential lost access to the test subscription
    run = maas("audit", *fleet.args(), "--format", "json")
    doc = json.loads(run.stdout)
    assert run.code == 1
    assert doc["subscriptions"][1] == {"id": SUBS[1], "name": "", "state": "", "visible": False}
    assert "is not visible to this identity" in doc["errors"][0]
    assert {c["subscription"] for c in doc["cells"]} == {SUBS[0]}


def test_nothing_visible_is_a_credential_problem(arm, maas, build_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    arm.subscriptions.clear()
    run = maas("audit", *fleet.args())
    assert run.code == 2 and run.stdout == ""
    assert "the credential sees none of the audited subscriptions" in run.stderr


def test_rejected_credentials_exit_2(arm, maas, build_fleet, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    arm.accepted_tokens.clear()
    run = maas("audit", *fleet.args(), "--format", "json")
    assert run.code == 2 and "az login" in json.loads(run.stdout)["error"]["fix"]
    assert "credential was rejected" in run.stderr and "Traceback" not in run.output


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xml"], "--format 'xml' is not one of table, json, markdown, html"),
    (["--source", "cache"], "--source 'cache' is not one of auto, resource-graph, arm-listing"),
    (["--subscription", "nope"], "--subscription 'nope' is not a subscription id"),
    (["--subscription", SUBS[0], "--all-subscriptions"], "either --subscription ID (repeatable) or --all-subs"),
    (["--verify-report-dir", "x"], "only apply with --verify"),
])
def test_bad_options_exit_2_before_any_call(arm, maas, build_fleet, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    before = len(arm.requests)
    run = maas("audit", *fleet.args(), *args)
    assert run.code == 2 and message in run.stderr and run.stdout == ""
    assert len(arm.requests) == before and "Traceback" not in run.output


def test_every_bad_stack_is_reported_at_once(arm, maas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    bad = write_stack(tmp_path, "dev", SUBS[0], regions=["atlantis"])
    monkeypatch.chdir(tmp_path)
    run = maas("audit", "--config", str(bad), "--stack", "nosuch", "--format", "json")
    assert run.code == 2
    message = json.loads(run.stdout)["error"]["message"]  # every problem in the JSON error too
    assert "--stack nosuch" in message and "'atlantis' is not a region" in message
    assert "--stack nosuch: no Pulumi.nosuch.yaml" in run.stderr
    assert "maas-fleet:regions[0]: 'atlantis' is not a region" in run.stderr
    assert not arm.requests


def test_out_must_not_be_a_directory(arm, maas, build_fleet, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    run = maas("audit", *fleet.args(), "--out", str(tmp_path))
    assert run.code == 2 and "is a directory" in run.stderr


def test_no_key_in_any_output(arm, maas, build_fleet, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(2, 5)
    plant_drift_small = [ep for ep in arm.endpoints.values()][:3]
    for ep in plant_drift_small:
        ep.content_safety = "Disabled"
    keys = [k for ep in arm.endpoints.values() for k in (ep.primary_key, ep.secondary_key)]
    texts = []
    for fmt in ("table", "json", "markdown", "html"):
        run = maas("audit", *fleet.args(), "--format", fmt)
        texts.append(run.output)
        out = tmp_path / f"a.{fmt}"
        run = maas("audit", *fleet.args(), "--format", fmt, "--out", str(out))
        texts.append(run.output + out.read_text())
    blob = "\n".join(texts)
    assert "content safety off" in blob or "content_safety_off" in blob
    assert not any(k in blob for k in keys)
    assert not arm.calls("POST", "listkeys")  # the audit itself never reads keys


def test_stacks_without_ids_share_the_credential_default(arm, maas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from infra.config import load_stack_file
    from tests.support.fake_arm import OTHER_SUB

    arm.add_subscription(SUBS[0], "main")
    arm.add_subscription(OTHER_SUB, "sandbox")
    dev = write_stack(tmp_path, "dev", None)
    prod = write_stack(tmp_path, "prod", None, environment="prod")
    for path in (dev, prod):
        arm.seed_fleet(load_stack_file(path), SUBS[0], secrets_=False)
    before = len(arm.requests)
    run = maas("audit", "--config", str(dev), "--config", str(prod), "--format", "markdown")
    assert run.code == 0, run.stderr
    assert run.stderr.count("the first of 2 enabled; pass --subscription to choose") == 1  # resolved once
    assert "3 management call(s)" in run.stderr and len(arm.requests) - before == 3
    # Two stacks, same subscription and project name: one matrix each, never mixed.
    assert "**Project main** (stack dev)" in run.stdout and "**Project main** (stack prod)" in run.stdout


def test_out_under_a_file_exits_2_before_any_call(arm, maas, build_fleet, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fleet = build_fleet(1, 5)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    before = len(arm.requests)
    run = maas("audit", *fleet.args(), "--out", str(blocker / "reports" / "audit.json"))
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.strip() == f"--out {blocker / 'reports' / 'audit.json'}: {blocker} is not a directory"
    assert len(arm.requests) == before and "Traceback" not in run.output


def test_a_failed_report_write_is_one_line(arm, maas, build_fleet, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    fleet = build_fleet(1, 5)
    out = tmp_path / "audit.json"
    real = Path.write_text

    def full_disk(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == out:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    run = maas("audit", *fleet.args(), "--format", "json", "--out", str(out))
    assert run.code == 2 and "Traceback" not in run.output
    assert run.stderr.strip().splitlines()[-1] == (
        f"--out {out}: cannot write it (No space left on device); the audit ran, its report was not written")

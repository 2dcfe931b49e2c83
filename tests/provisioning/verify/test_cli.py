"""`maas verify` end to end through the real entry point: exit codes, bad input, the cost guard,
`--stack` with and without a pulumi CLI, reports on disk, and no key in any output."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from provisioning.verify.reports import REPORT_FILES
from tests.provisioning.verify.cli_run import maas


def fast(tmp_path: Path) -> list[str]:
    return ["--report-dir", str(tmp_path / "reports"), "--timeout", "2", "--deadline", "20"]


def read_reports(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "reports"
    return {name: (folder / name).read_text(encoding="utf-8") for name in REPORT_FILES}


def test_all_pass_exits_0_and_writes_four_reports(
    inventory_file: Path, tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any
) -> None:
    code, out, err = maas(["verify", "--inventory", str(inventory_file), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 0, err
    reports = read_reports(tmp_path)
    summary = json.loads(reports["report.json"])["summary"]
    assert summary["endpoints"] == 2 and summary["passed"] == 2 and summary["images"] == 3
    assert "core-eastus" in out and "sd35l-eastus" in out  # the summary table
    assert "3 billable images" in err
    helpers.no_key(out, err, *reports.values())


def test_any_failure_exits_1(
    inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any
) -> None:
    hostile.set("echo_key")
    code, out, err = maas(["verify", "--inventory", str(inventory_file), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 1
    reports = read_reports(tmp_path)
    assert json.loads(reports["report.json"])["summary"]["failed"] == 2
    helpers.no_key(out, err, *reports.values())


@pytest.mark.parametrize("mode", ["content_filter_flat", "content_filter_wrapped"])
def test_a_content_filtered_benign_prompt_exits_1(
    mode: str, inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any
) -> None:
    """An endpoint that answers the harmless suite prompt with content_filter produced no image: fail."""
    hostile.set(mode)
    code, out, err = maas(["verify", "--inventory", str(inventory_file), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 1, err
    doc = json.loads(read_reports(tmp_path)["report.json"])
    assert doc["summary"]["failed"] == 2 and doc["summary"]["passed"] == 0
    for endpoint in doc["endpoints"]:
        checks = {c["name"]: c for c in endpoint["checks"]}
        assert endpoint["status"] == "fail"
        assert (checks["text-to-image"]["status"], checks["text-to-image"]["category"]) == ("fail", "content_filter")
    helpers.no_key(out, err, *read_reports(tmp_path).values())


def test_content_safety_probe_option_fails_an_endpoint_that_draws_the_probe(
    inventory_file: Path, tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any
) -> None:
    """The test server draws whatever it is asked: the probe's prompt included, so content safety is off."""
    args = ["verify", "--inventory", str(inventory_file), "--content-safety-probe", *fast(tmp_path)]
    code, out, err = maas(args, capsys, monkeypatch)
    assert code == 1, err
    assert "5 billable images" in err  # the probe is counted by the cost guard
    doc = json.loads(read_reports(tmp_path)["report.json"])
    for endpoint in doc["endpoints"]:
        probe = {c["name"]: c for c in endpoint["checks"]}["content-safety"]
        assert (probe["status"], probe["category"]) == ("fail", "content_filter")
        assert {c["name"]: c for c in endpoint["checks"]}["text-to-image"]["status"] == "pass"


def test_cost_guard_refuses_before_any_request(
    inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    args = ["verify", "--inventory", str(inventory_file), "--max-images", "2", *fast(tmp_path)]
    code, _, err = maas(args, capsys, monkeypatch)
    assert code == 2
    assert "refusing to run" in err and "raise --max-images to at least 3" in err
    assert hostile.state.requests == []
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1, column 2)"),
        ('{"outputs": []}', "no 'endpoints' list"),
        (
            '[{"region": "eastus", "model": "stable-image-core", "uri": "https://x.example"}]',
            "endpoints[0].name is required",
        ),
        (
            '[{"region": "eastus", "model": "sdxl", "name": "a", "uri": "https://x.example", "key": "k"}]',
            "is not a catalog model slug",
        ),
        (
            '[{"region": "eastus", "model": "stable-image-core", "name": "a", "uri": "http://10.0.0.8/x", "key": "k"}]',
            "plain http to a non-loopback host",
        ),
        (
            '[{"region": "eastus", "model": "stable-image-core", "name": "a", "uri": "https://x.example"}]',
            "endpoints[0] (a): no key",
        ),
    ],
)
def test_bad_inventories_exit_2_with_one_line_each(
    content: str, message: str, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    path = tmp_path / "inv.json"
    path.write_text(content)
    code, _, err = maas(["verify", "--inventory", str(path), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose exactly one of --inventory FILE, --stack NAME, --config FILE or --emulate (got none)"),
        (["--stack", "dev", "--inventory", "x.json"], "got --inventory and --stack"),
        (["--inventory", "missing.json"], "missing.json: no such file"),
        (["--inventory", "x.json", "--concurrency", "0"], "--concurrency: 0 must be at least 1"),
        (["--inventory", "x.json", "--deadline", "-1"], "--deadline: -1 must be greater than 0"),
        (["--inventory", "x.json", "--timeout", "0"], "--timeout: 0 must be greater than 0"),
        (["--inventory", "x.json", "--max-images", "-1"], "--max-images: -1 must be at least 0"),
        (["--inventory", "x.json", "--route", "imagez"], "Invalid value for '--route'"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str, tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = maas(["verify", *args, "--report-dir", str(tmp_path / "r")], capsys, monkeypatch)
    assert code == 2 and message in err, err
    # Errors name the options the user typed, never the internal field names.
    assert not any(field in err for field in ("timeout_s", "deadline_s", "max_images", "option ")), err


def test_every_problem_with_the_options_is_named_once(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["verify", "--inventory", "x.json", "--timeout", "0", "--deadline", "0", "--concurrency", "99"]
    code, _, err = maas([*args, "--report-dir", str(tmp_path / "r")], capsys, monkeypatch)
    assert code == 2
    assert err.strip() == (
        "--concurrency: 99 must be at most 32 --timeout: 0 must be greater than 0 --deadline: 0 must be greater than 0"
    )


def test_stack_without_pulumi_cli_says_what_to_do(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no pulumi anywhere
    code, _, err = maas(["verify", "--stack", "dev", *fast(tmp_path)], capsys, monkeypatch)
    assert code == 2
    assert "pulumi CLI is not on PATH" in err and "--inventory FILE" in err


def fake_pulumi(folder: Path, stdout: str, exit_code: int = 0, stderr: str = "") -> Path:
    script = folder / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(folder / 'argv.json')!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"sys.stdout.write({stdout!r})\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({exit_code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_stack_reads_outputs_through_the_pulumi_cli(
    hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    outputs = {
        "endpoints": [hostile.endpoint("stable-image-ultra").inventory_dict()],
        "workspaces": [],
        "roleDefinitions": [],
    }
    fake_pulumi(bin_dir, json.dumps(outputs))
    monkeypatch.setenv("PATH", str(bin_dir))
    code, out, err = maas(["verify", "--stack", "prod", *fast(tmp_path)], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads((bin_dir / "argv.json").read_text()) == [
        "stack",
        "output",
        "--json",
        "--show-secrets",
        "--stack",
        "prod",
    ]
    helpers.no_key(out, err, *read_reports(tmp_path).values())


def test_failing_pulumi_is_bad_input_and_scrubbed(tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_pulumi(bin_dir, "", exit_code=255, stderr=f"error: no stack named 'prod' (token {helpers.key})\n")
    monkeypatch.setenv("PATH", str(bin_dir))
    code, out, err = maas(["verify", "--stack", "prod", *fast(tmp_path)], capsys, monkeypatch)
    assert code == 2 and "`pulumi stack output` failed (exit 255): error: no stack named 'prod'" in err
    helpers.no_key(out, err)


def test_unwritable_report_dir_is_refused_before_sending(
    inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    args = ["verify", "--inventory", str(inventory_file), "--report-dir", str(blocker / "r")]
    code, _, err = maas(args, capsys, monkeypatch)
    assert code == 2 and "--report-dir" in err and hostile.state.requests == []


def test_ctrl_c_still_writes_reports(
    inventory_file: Path, hostile: Any, tmp_path: Path, project_root: Path, helpers: Any
) -> None:
    import os
    import signal
    import subprocess
    import time

    hostile.set("slow")
    env = os.environ | {"PYTHONPATH": str(project_root)}
    args = ["verify", "--inventory", str(inventory_file), "--timeout", "10", *fast(tmp_path)[:2]]
    process = subprocess.Popen(
        [sys.executable, "-m", "provisioning", *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not hostile.state.requests and time.monotonic() < deadline:  # wait until it is sending
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 1, err
    assert "interrupted" in err and "Traceback" not in err
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["summary"]["failed"] == 2
    assert all(
        c["category"] == "timeout" for e in report["endpoints"] for c in e["checks"] if c["name"] == "text-to-image"
    )
    helpers.no_key(out, err, *read_reports(tmp_path).values())


# ------------------------------------------------------------------------------ masked keys (#3)


@pytest.mark.parametrize(
    "masked", ["[secret]", "********", "****", "****a1b2", " [secret] ", "[REDACTED]", "<redacted>"]
)
def test_masked_keys_are_bad_input_before_any_request(
    masked: str, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    entries = [hostile.endpoint(model).inventory_dict() for model in ("stable-image-core", "stable-image-ultra")]
    entries[1]["key"] = masked
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"endpoints": entries}))
    code, _, err = maas(["verify", "--inventory", str(path), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 2, err
    # The inventory refuses the placeholders it knows, the verifier the other masks: same words either way.
    assert "endpoints[1].key is masked" in err and "save the stack output with `pulumi stack output --json" in err
    assert "endpoints[0]" not in err  # the real key is fine
    assert hostile.state.requests == []


def test_stack_output_saved_without_show_secrets_is_named(
    hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    entry = hostile.endpoint("stable-image-core").inventory_dict() | {"key": "[secret]"}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"endpoints": [entry, entry | {"uri": entry["uri"] + "2", "name": "b"}]}))
    code, _, err = maas(["verify", "--inventory", str(path), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 2
    # One line for both (a saved output masks every key): not the same line once per endpoint.
    assert err.count("masked") == 1 and "the keys of 2 endpoints are masked" in err
    assert "endpoints[0].key" in err and "endpoints[1].key" in err


@pytest.mark.parametrize("key", ["k" * 32, "a1b2c3d4e5f6", "secret-key-with*star", "x*******", "abcdefghi****"])
def test_real_keys_are_not_taken_for_masks(key: str) -> None:
    from provisioning.inputs.inventory import is_masked_key

    assert not is_masked_key(key)


# ------------------------------------------------------------------------------------ --route (#5)


@pytest.mark.parametrize(
    ("option", "first"), [([], "/images/generations"), (["--route", "image"], "/image/generations")]
)
def test_route_option_chooses_the_route_tried_first(
    option: list[str], first: str, inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    args = ["verify", "--inventory", str(inventory_file), *option, *fast(tmp_path)]
    code, _, err = maas(args, capsys, monkeypatch)
    assert code == 0, err
    assert {r["path"].removeprefix("/m/").split("/", 1)[1] for r in hostile.state.requests} == {first.lstrip("/")}
    report = json.loads(read_reports(tmp_path)["report.json"])
    routes = [c for e in report["endpoints"] for c in e["checks"] if c["name"] == "route"]
    assert all(c["status"] == "pass" and c["detail"] == f"POST {first} answered HTTP 200" for c in routes)


def test_route_option_falls_back_once_to_the_other(
    inventory_file: Path, hostile: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    hostile.set("legacy_route")  # serves /image/generations only
    code, _, err = maas(["verify", "--inventory", str(inventory_file), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 0, err
    report = json.loads(read_reports(tmp_path)["report.json"])
    route = report["endpoints"][0]["checks"][0]
    assert "after POST /images/generations -> HTTP 404: configure this route (--route image)" in route["detail"]
    hostile.set("legacy_route")
    args = ["verify", "--inventory", str(inventory_file), "--route", "image", *fast(tmp_path)]
    code, _, err = maas(args, capsys, monkeypatch)
    assert code == 0, err
    # configured: no 404 first
    assert not any(r["path"].endswith("/images/generations") for r in hostile.state.requests)


def test_route_option_is_in_the_help(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = maas(["verify", "--help"], capsys, monkeypatch)
    assert code == 0
    text = " ".join(out.split())
    assert "--route" in text and "/images/generations" in text and "/image/generations" in text


def test_hosted_route_is_not_a_route_option() -> None:
    from infra.catalog import Route
    from provisioning.errors import BadInput
    from provisioning.verify.options import VerifyOptions

    assert VerifyOptions.build(route=Route.IMAGE_GENERATIONS).route is Route.IMAGE_GENERATIONS
    with pytest.raises(BadInput) as info:
        VerifyOptions.build(route=Route.HOSTED_GENERATION)
    assert info.value.lines()[0].startswith("--route: must be one of /images/generations, /image/generations")


def test_route_choices_are_the_catalogs_azure_routes() -> None:
    from provisioning.cli.verify import _RouteChoice
    from provisioning.verify.options import AZURE_ROUTES, route_for_option, route_option

    assert [c.value for c in _RouteChoice] == [route_option(r) for r in AZURE_ROUTES]
    assert [route_for_option(c.value) for c in _RouteChoice] == list(AZURE_ROUTES)


def test_a_private_endpoint_from_outside_its_network_is_one_line(
    tmp_path: Path, capsys: Any, monkeypatch: Any, helpers: Any
) -> None:
    """The stack output marks private endpoints; from a machine outside their network verify says so per
    endpoint (and files the checks under private_network) instead of a transport error per check."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing answers there, as a private address does not from outside
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"endpoints": [
        {"region": "eastus2", "model": "stable-image-core", "name": f"private-{i}", "uri": f"http://127.0.0.1:{port}/{i}",
         "key": helpers.key, "publicNetworkAccess": "Disabled"} for i in range(2)]}))
    code, out, err = maas(["verify", "--inventory", str(path), *fast(tmp_path)], capsys, monkeypatch)
    assert code == 1
    for i in range(2):
        assert err.count(f"eastus2/stable-image-core/private-{i}: not reachable from this machine") == 1
    assert "run maas verify from a runner in that network" in err
    report = json.loads(read_reports(tmp_path)["report.json"])
    categories = {c["category"] for e in report["endpoints"] for c in e["checks"] if c["status"] == "fail"}
    assert categories == {"private_network"}
    helpers.no_key(out, err)


@pytest.mark.parametrize("inventory", [
    "missing.json",                       # no such file
    "bad.json",                           # not JSON
    "masked.json",                        # a masked key: refused at the inventory boundary
])
def test_a_bad_inventory_leaves_no_report_dir_behind(inventory: str, tmp_path: Path, capsys: Any,
                                                     monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "masked.json").write_text(json.dumps({"endpoints": [{
        "region": "eastus", "model": "stable-image-core", "name": "core-eastus",
        "uri": "https://core-eastus-abcde.eastus.models.ai.azure.com", "key": "[secret]"}]}))
    report_dir = tmp_path / "deep" / "reports"
    code, _, err = maas(["verify", "--inventory", inventory, "--report-dir", str(report_dir)], capsys, monkeypatch)
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "deep").exists()


def test_a_cost_guard_refusal_leaves_no_report_dir_behind(inventory_file: Path, hostile: Any, tmp_path: Path,
                                                          capsys: Any, monkeypatch: Any) -> None:
    report_dir = tmp_path / "never"
    args = ["verify", "--inventory", str(inventory_file), "--max-images", "0", "--report-dir", str(report_dir)]
    code, _, err = maas(args, capsys, monkeypatch)
    assert code == 2 and hostile.state.requests == [] and not report_dir.exists(), err

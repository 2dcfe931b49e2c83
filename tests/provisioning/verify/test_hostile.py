"""Each way an endpoint can misbehave is classified exactly, the report is written, the key never leaks."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

PASS = ("pass", None)
SKIP = ("skip", None)


def fail(category: str) -> tuple[str, str]:
    return ("fail", category)


TEXT_ONLY_OK = {
    "route": PASS,
    "auth": PASS,
    "text-to-image": PASS,
    "image": PASS,
    "invalid-size": PASS,
    "capability-mismatch": PASS,
}

# mode -> expected {check: (status, category)} for a text-only model; unlisted checks pass.
# No route answered: every later check is meaningless.
_NO_ROUTE = {
    "route": fail("route"),
    "auth": SKIP,
    "text-to-image": SKIP,
    "image": SKIP,
    "invalid-size": SKIP,
    "capability-mismatch": SKIP,
}
CASES: dict[str, dict[str, tuple[str, str | None]]] = {
    "good": {},
    "error500": {"text-to-image": fail("server_error"), "image": SKIP},
    "throttle": {"text-to-image": fail("throttled"), "image": SKIP},
    "slow": {"route": SKIP, "text-to-image": fail("timeout"), "image": SKIP},  # no answer: route undetermined
    "truncated_json": {"text-to-image": fail("schema"), "image": SKIP},
    "invalid_json": {"text-to-image": fail("schema"), "image": SKIP},
    "not_base64": {"image": fail("image")},
    "jpeg": {"image": fail("image")},
    "wrong_size": {"image": fail("image")},
    "blank": {"image": fail("image")},
    "huge": {"text-to-image": fail("schema"), "image": SKIP},
    "created_ms": {"text-to-image": fail("schema")},
    "content_filter_flat": {"text-to-image": fail("content_filter"), "image": SKIP},
    "content_filter_wrapped": {"text-to-image": fail("content_filter"), "image": SKIP},
    "open_auth": {"auth": fail("auth")},
    "accept_anything": {"invalid-size": fail("schema"), "capability-mismatch": fail("schema")},
    "unreadable_errors": {"invalid-size": fail("schema")},
    "legacy_route": {},
    "redirect_same_host": {},
    "redirect_302": _NO_ROUTE,
    "no_routes": _NO_ROUTE,
    "gzip": {},
    "deflate": {},
    "deflate_raw": {},
    "br": {},
    "identity_listed": {},
    "gzip_bomb": {"text-to-image": fail("schema"), "image": SKIP},
    "br_bomb": {"text-to-image": fail("schema"), "image": SKIP},
    "gzip_gzip": {"route": SKIP, "text-to-image": fail("transport"), "image": SKIP},  # refused unread
    "zstd": {"route": SKIP, "text-to-image": fail("transport"), "image": SKIP},  # refused unread
    "gzip_garbage": {"route": SKIP, "text-to-image": fail("transport"), "image": SKIP},  # refused unread
    "echo_key": {
        "route": PASS,
        "auth": PASS,  # 401 without a key
        "text-to-image": fail("schema"),
        "image": SKIP,
        "invalid-size": PASS,  # a 400 with a readable (scrubbed) message
        "capability-mismatch": PASS,
    },
}


@pytest.mark.parametrize("mode", list(CASES))
async def test_hostile_modes_are_classified(
    mode: str, hostile: Any, run_verify: Any, helpers: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hostile.set(mode)
    # Only the slow mode needs a short timeout (it answers after 1.5 s); the others get room for a busy machine.
    timeout_s = 0.5 if mode == "slow" else 5.0
    report = await run_verify([hostile.endpoint()], timeout_s=timeout_s, max_body_bytes=256 * 1024)
    expected = TEXT_ONLY_OK | CASES[mode]
    assert helpers.checks(report) == expected
    should_pass = all(status != "fail" for status, _ in expected.values())
    assert report.endpoints[0].status == ("pass" if should_pass else "fail")
    files = helpers.reports(report, tmp_path)
    assert set(files) == {"report.json", "junit.xml", "summary.md", "index.html"}
    document = json.loads(files["report.json"])
    assert document["summary"]["failed"] == (0 if should_pass else 1)
    helpers.no_key(*files.values(), caplog.text, repr(report.to_json()))


async def test_route_fallback_is_recorded(hostile: Any, run_verify: Any) -> None:
    hostile.set("legacy_route")
    report = await run_verify([hostile.endpoint()])
    result = report.endpoints[0]
    assert result.route == "/image/generations"
    route = result.checks[result.planned[0]]
    assert "/images/generations -> HTTP 404" in route.detail and "configure this route" in route.detail
    # every later request went to the route that worked
    paths = [r["path"] for r in hostile.state.requests]
    assert paths[0].endswith("/images/generations")
    assert all(p.endswith("/image/generations") for p in paths[1:])


async def test_echoed_key_is_masked_in_details(hostile: Any, run_verify: Any, helpers: Any) -> None:
    hostile.set("echo_key")
    report = await run_verify([hostile.endpoint()])
    t2i = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE]
    assert "rejected Authorization: Bearer ****" in t2i.detail
    helpers.no_key(t2i.detail)


async def test_key_is_sent_as_bearer_and_only_where_expected(hostile: Any, run_verify: Any, helpers: Any) -> None:
    report = await run_verify([hostile.endpoint()])
    assert report.ok
    auth_headers = [r["headers"].get("authorization") for r in hostile.state.requests]
    assert auth_headers.count(None) == 1  # the auth negative check, and only it, goes without a key
    assert {h for h in auth_headers if h} == {f"Bearer {helpers.key}"}
    sent = [json.loads(r["body"]) for r in hostile.state.requests]
    assert all(body["output_format"] == "png" for body in sent)


@pytest.mark.parametrize("target_host", ["localhost", "127.0.0.2"])
async def test_redirect_to_another_host_never_carries_the_key(
    target_host: str, hostile: Any, server_factory: Any, run_verify: Any, helpers: Any, tmp_path: Path
) -> None:
    # 127.0.0.2 listens on the same port number: only the host differs. localhost: host and port differ.
    port = hostile.server.port if target_host == "127.0.0.2" else 0
    other, other_state = server_factory(host="127.0.0.1" if target_host == "localhost" else target_host, port=port)
    hostile.set("redirect_other_host")
    hostile.state.redirect_to = f"http://{target_host}:{other.port}"
    report = await run_verify([hostile.endpoint()])
    checks = helpers.checks(report)
    assert checks["text-to-image"] == ("fail", "transport")
    assert checks["auth"] == ("fail", "transport")
    detail = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE].detail
    assert "another origin" in detail and "key was not sent" in detail
    assert other_state.requests == []  # nothing at all reached the other host
    helpers.no_key(*helpers.reports(report, tmp_path).values())


async def test_image_to_image_for_capable_model(hostile: Any, run_verify: Any, helpers: Any) -> None:
    report = await run_verify([hostile.endpoint("stable-diffusion-3.5-large")])
    checks = helpers.checks(report)
    assert checks == {
        "route": PASS,
        "auth": PASS,
        "text-to-image": PASS,
        "image": PASS,
        "image-to-image": PASS,
        "invalid-size": PASS,
    }
    result = report.endpoints[0]
    assert result.images == 2 and len(result.thumbnails) == 2
    i2i = [json.loads(r["body"]) for r in hostile.state.requests if b"image_prompt" in r["body"]]
    assert len(i2i) == 1 and 0 < i2i[0]["image_prompt"]["strength"] <= 1
    assert i2i[0]["image_prompt"]["image"]  # base64 PNG


async def test_image_to_image_with_wrong_images_is_an_image_failure(
    hostile: Any, run_verify: Any, helpers: Any
) -> None:
    hostile.set("wrong_size")
    report = await run_verify([hostile.endpoint("stable-diffusion-3.5-large")])
    checks = helpers.checks(report)
    assert checks["image"] == ("fail", "image") and checks["image-to-image"] == ("fail", "image")
    assert "size 64x64, expected 1024x1024" in report.endpoints[0].checks[helpers.CheckName.IMAGE].detail


async def test_connection_refused_is_transport(run_verify: Any, helpers: Any) -> None:
    import socket

    from provisioning.inputs.inventory import InventoryEndpoint

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    endpoint = InventoryEndpoint.model_validate(
        {
            "region": "eastus",
            "model": "stable-image-core",
            "name": "gone",
            "uri": f"http://127.0.0.1:{port}/x",
            "key": helpers.key,
        }
    )
    report = await run_verify([endpoint])
    checks = helpers.checks(report)
    assert checks["text-to-image"] == ("fail", "transport")
    assert checks["route"] == SKIP
    assert all(status == "fail" for name, (status, _) in checks.items() if name not in ("route", "image"))


async def test_deadline_records_remaining_checks_as_timeout(
    hostile: Any, run_verify: Any, helpers: Any, tmp_path: Path
) -> None:
    hostile.set("slow")
    report = await run_verify([hostile.endpoint(), hostile.endpoint(region="westus")], timeout_s=5, deadline_s=0.3)
    assert report.deadline_hit and report.wall_s < 2
    for index in range(2):
        checks = helpers.checks(report, index)
        assert checks["text-to-image"] == ("fail", "timeout")
        assert len(checks) == 6
    files = helpers.reports(report, tmp_path)
    assert json.loads(files["report.json"])["summary"]["failed"] == 2


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_per_endpoint_concurrency_is_bounded(concurrency: int, hostile: Any, run_verify: Any) -> None:
    hostile.set("latency")  # every answer takes 50 ms, so requests would overlap if allowed
    report = await run_verify([hostile.endpoint("stable-image-core")], concurrency=concurrency)
    assert report.ok
    assert hostile.state.max_in_flight == min(concurrency, 4)  # after text-to-image, 4 checks remain


async def test_endpoints_run_concurrently(hostile: Any, run_verify: Any) -> None:
    hostile.set("latency")
    endpoints = [hostile.endpoint(region=r) for r in ("eastus", "eastus2", "westus", "westus3")]
    report = await run_verify(endpoints, concurrency=1)
    assert report.ok and hostile.state.max_in_flight == 4  # one per endpoint, all at once


async def test_hosted_dialect(hostile: Any, run_verify: Any, helpers: Any) -> None:
    endpoint = hostile.endpoint("stable-diffusion-3.5-large", dialect="hosted")
    report = await run_verify([endpoint])
    assert helpers.checks(report) == {
        "route": PASS,
        "auth": PASS,
        "text-to-image": PASS,
        "image": PASS,
        "invalid-size": PASS,
    }
    bodies = [json.loads(r["body"]) for r in hostile.state.requests]
    assert all(r["path"].endswith("/image/generation") for r in hostile.state.requests)
    assert {"model", "positive_prompt", "negative_prompt", "width", "height", "steps", "cfg", "seed"} <= set(bodies[0])
    from infra.catalog import DEFAULT_SIZE, HOSTED_SD35_LARGE

    assert report.endpoints[0].cost_usd == pytest.approx(HOSTED_SD35_LARGE.price_usd(DEFAULT_SIZE))


async def test_one_seed_per_run_and_identical_images_decoded_once(
    hostile: Any, run_verify: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provisioning.verify import imaging

    calls: list[int] = []
    real = imaging.inspect_image

    def counting(data: bytes, formats: tuple[str, ...], expected: Any) -> Any:
        calls.append(len(data))
        return real(data, formats, expected)

    monkeypatch.setattr(imaging, "inspect_image", counting)
    endpoints = [hostile.endpoint(region=r) for r in ("eastus", "westus", "westus3")]
    first = await run_verify(endpoints, seed=11)
    seeds = {json.loads(r["body"])["seed"] for r in hostile.state.requests}
    assert first.ok and len(seeds) == 1
    assert len(calls) == 1  # three endpoints answered the same bytes: one decode, three verdicts
    assert all(len(e.thumbnails) == 1 for e in first.endpoints)
    hostile.set("good")
    await run_verify(endpoints[:1], seed=11)
    assert {json.loads(r["body"])["seed"] for r in hostile.state.requests} == seeds  # reproducible


async def test_interrupted_run_still_reports_every_check(hostile: Any, helpers: Any, tmp_path: Path) -> None:
    import asyncio

    from provisioning.verify.checks import Target
    from provisioning.verify.dialects import DIALECTS
    from provisioning.verify.runner import VerifyRun

    hostile.set("slow")
    run = VerifyRun([Target(hostile.endpoint(), DIALECTS["azure"])], helpers.options(timeout_s=5))
    task = asyncio.create_task(run.execute())
    await asyncio.sleep(0.2)
    task.cancel()  # what Ctrl-C does to asyncio.run
    with pytest.raises(asyncio.CancelledError):
        await task
    report = run.report("interrupted before finishing")
    checks = helpers.checks(report)
    assert len(checks) == 6 and checks["text-to-image"] == ("fail", "timeout")
    assert "interrupted" in report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE].detail
    assert set(helpers.reports(report, tmp_path)) == {"report.json", "junit.xml", "summary.md", "index.html"}


async def test_a_private_endpoint_out_of_reach_says_so(run_verify: Any, helpers: Any) -> None:
    """An endpoint the stack marks private (publicNetworkAccess Disabled) that never answers is filed as
    private_network with one line naming where to run from; a public one failing the same way stays transport."""
    import socket

    from provisioning.inputs.inventory import InventoryEndpoint
    from provisioning.verify.private_network import HINT

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there: what a private address looks like from outside its network

    def endpoint(name: str, **extra: Any) -> InventoryEndpoint:
        return InventoryEndpoint.model_validate({"region": "eastus", "model": "stable-image-core", "name": name,
                                                 "uri": f"http://127.0.0.1:{port}/{name}", "key": helpers.key,
                                                 **extra})

    options = helpers.options()
    from provisioning.verify.checks import Target
    from provisioning.verify.dialects import DIALECTS
    from provisioning.verify.runner import VerifyRun

    endpoints = [endpoint("private-one", publicNetworkAccess="Disabled"), endpoint("public-one")]
    run = VerifyRun([Target(e, DIALECTS[options.dialect]) for e in endpoints], options)
    report = await run.execute()
    private, public = helpers.checks(report, 0), helpers.checks(report, 1)
    assert private["text-to-image"] == ("fail", "private_network")
    assert all(category == "private_network" for status, category in private.values() if status == "fail")
    assert public["text-to-image"] == ("fail", "transport")
    assert run.unreachable == [f"eastus/stable-image-core/private-one: not reachable from this machine; {HINT}"]
    detail = report.endpoints[0].checks[helpers.CheckName.TEXT_TO_IMAGE].detail
    assert detail.startswith("not reachable from here (")


async def test_a_private_endpoint_that_answers_is_judged_as_usual(hostile: Any, run_verify: Any, helpers: Any) -> None:
    hostile.set("wrong_size")
    endpoint = hostile.endpoint("stable-image-core")
    private = endpoint.model_copy(update={"public_network_access": "Disabled"})
    report = await run_verify([private])
    assert helpers.checks(report)["image"] == ("fail", "image")  # it answered: not a network problem

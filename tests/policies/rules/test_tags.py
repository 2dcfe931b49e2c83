"""Tag rules (policies/rules/tags.py) both ways."""

from __future__ import annotations

import pytest

from infra import resource_types as t
from infra.catalog import (
    REQUIRED_TAGS,
)
from tests.support.policy_asserts import assert_no_violation, assert_violation
from tests.support.policy_builders import (
    record,
)


@pytest.mark.parametrize(
    "type_token",
    [t.RESOURCE_GROUP, t.STORAGE_ACCOUNT, t.KEY_VAULT, t.LOG_ANALYTICS, t.APP_INSIGHTS, t.ML_WORKSPACE,
     t.SERVERLESS_ENDPOINT],
)
def test_required_tags(type_token: str) -> None:
    full = {tag: "x" for tag in REQUIRED_TAGS}
    assert_no_violation("required-tags", record(type_token, "r", {"tags": full}))
    missing = dict(full)
    missing.pop(REQUIRED_TAGS[-1])
    assert_violation("required-tags", record(type_token, "r", {"tags": missing}), says=REQUIRED_TAGS[-1])
    assert_violation("required-tags", record(type_token, "r", {"tags": {**full, REQUIRED_TAGS[0]: " "}}))
    assert_violation("required-tags", record(type_token, "r", {}), says=", ".join(REQUIRED_TAGS))
    # Unknown at preview: no verdict.
    assert_no_violation("required-tags", record(type_token, "r", {}, unknown_paths=("tags",)))
    assert_no_violation("required-tags", record(type_token, "r", {"tags": missing},
                                                unknown_paths=(f"tags.{REQUIRED_TAGS[-1]}",)))


def test_untagged_types_are_not_checked() -> None:
    assert_no_violation("required-tags", record(t.MARKETPLACE_SUBSCRIPTION, "s", {}), record(t.KEY_VAULT_SECRET, "k"))

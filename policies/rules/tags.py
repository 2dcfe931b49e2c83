"""Rules about tags: every taggable resource the fleet creates carries the required tags.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from infra.catalog import MANAGED_BY_VALUE, REQUIRED_TAGS, TAG_MANAGED_BY
from infra.resource_types import (
    APP_INSIGHTS,
    KEY_VAULT,
    LOG_ANALYTICS,
    ML_WORKSPACE,
    RESOURCE_GROUP,
    SERVERLESS_ENDPOINT,
    STORAGE_ACCOUNT,
)
from policies.engine import Finding, resource_rule
from policies.props import MISSING, dig, is_unknown
from policies.records import ResourceRecord, Severity
from policies.rules.common import label

# Resources the fleet creates that carry tags (docs/architecture.md, Contracts); subscriptions and secrets are not
# tagged.
TAGGED_TYPES: Final = (
    RESOURCE_GROUP,
    STORAGE_ACCOUNT,
    KEY_VAULT,
    LOG_ANALYTICS,
    APP_INSIGHTS,
    ML_WORKSPACE,
    SERVERLESS_ENDPOINT,
)

_M = Severity.MANDATORY


@resource_rule(
    "required-tags", _M, TAGGED_TYPES,
    f"Taggable resources the fleet creates carry the tags {', '.join(REQUIRED_TAGS)}.",
    fix="tag with FleetConfig.tags_for(project)",
)
def required_tags_present(record: ResourceRecord) -> Iterator[Finding]:
    if is_unknown(record, "tags"):
        return
    tags = dig(record.properties, "tags")
    if tags is MISSING or tags is None:
        tags = {}
    if not isinstance(tags, Mapping):
        return
    missing = [
        tag
        for tag in REQUIRED_TAGS
        if not (isinstance(tags.get(tag), str) and tags[tag].strip()) and not is_unknown(record, ("tags", tag))
    ]
    if missing:
        yield Finding(
            record.name,
            f"{label(record)} lacks required tags: {', '.join(missing)}",
            f"tag it with {', '.join(REQUIRED_TAGS)} ({TAG_MANAGED_BY}={MANAGED_BY_VALUE}; "
            "FleetConfig.tags_for(project) builds the set)",
        )

"""Config sub-models of the enterprise options (`maas-fleet:budget`, `maas-fleet:network`).

Why apart from config.py: each option is a small typed object with its own rules, and config.py only
names it as a field. Values are checked against Azure's limits here (pydantic validators raise one
sentence each); cross-field checks that need the rest of the config (regions) live in
`option_problems`, which config.py calls with the other semantic checks.
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from infra import catalog

# RFC 5322 is far wider; this is what Azure's budget API and every mail system accept in practice.
EMAIL: Final = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


class BudgetOptions(BaseModel):
    """A monthly cost budget with e-mail alerts, one per unit resource group."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    monthly_usd: float = Field(gt=0, description="the monthly amount per unit resource group (USD)")
    contact_emails: tuple[str, ...] = Field(description="who gets the alerts (at least one)")
    thresholds: tuple[float, ...] = Field(
        default=catalog.BUDGET_DEFAULT_THRESHOLDS,
        description="alert at these percentages of the amount (actual spend)",
    )

    @field_validator("contact_emails", mode="before")
    @classmethod
    def _one_email(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("contact_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("is empty: a budget without contacts alerts nobody; name at least one e-mail address")
        bad = [v for v in value if not EMAIL.fullmatch(v.strip())]
        if bad:
            raise ValueError(f"is not a list of e-mail addresses ({bad[0]!r} is not one)")
        return tuple(v.strip() for v in value)

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("is empty; omit it for the default "
                             + ", ".join(f"{t:g}" for t in catalog.BUDGET_DEFAULT_THRESHOLDS))
        if len(value) > catalog.BUDGET_MAX_NOTIFICATIONS:
            raise ValueError(f"has {len(value)} thresholds; Azure allows {catalog.BUDGET_MAX_NOTIFICATIONS} "
                             "notifications per budget")
        bad = [t for t in value if not 0 < t <= catalog.BUDGET_MAX_THRESHOLD]
        if bad:
            raise ValueError(f"{bad[0]:g} is out of range: a percentage above 0 and at most "
                             f"{catalog.BUDGET_MAX_THRESHOLD:g}")
        if len(set(value)) != len(value):
            raise ValueError("lists a threshold twice")
        return tuple(sorted(value))

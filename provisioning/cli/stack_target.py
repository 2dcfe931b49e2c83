"""The options of every command that acts on a deployed stack, taken once: --stack, --config,
--subscription, --arm-endpoint.

Why a bundle: adopt, preflight, `keys show|rotate|status` all need the same four answers (which stack,
which subscription, which management endpoint) and the same opening moves (read the stack before any
credential or network, open a session whose errors leave as one line, resolve the subscription and say
where it came from). A command names one `target: StackTarget` parameter and decorates itself with
`@stack_target_options`; Typer sees the four options in its place, and the command gets them as one
value (pip's option groups, in Typer's terms).
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from provisioning.cli.options import ArmEndpoint, Config, Stack, Subscription
from provisioning.cli.session import azure_session, one_subscription, stack_config

if TYPE_CHECKING:
    from infra.config import FleetConfig

R = TypeVar("R")

# (parameter name, option type) in the order --help lists them.
_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("stack", Stack), ("config", Config), ("subscription", Subscription), ("arm_endpoint", ArmEndpoint),
)


@dataclass(frozen=True)
class StackSession:
    """A stack read from its config, an open Azure session, and the one subscription it acts in."""

    fleet: FleetConfig
    session: Any
    subscription: Any  # provisioning.azure.session.ResolvedSubscription: .id, .note


@dataclass(frozen=True)
class StackTarget:
    stack: str | None = None
    config: Path | None = None
    subscription: str | None = None
    arm_endpoint: str | None = None

    def fleet(self) -> FleetConfig:
        """The stack's config (--stack, --config, or the only Pulumi.<stack>.yaml here). Read before any
        credential or network, so bad input fails fast."""
        fleet = stack_config(self.stack, self.config, required=True)
        assert fleet is not None
        return fleet

    @contextmanager
    def azure(self) -> Iterator[Any]:
        """An Azure session on --arm-endpoint whose errors leave as one line."""
        with azure_session(self.arm_endpoint) as session:
            yield session

    def subscription_in(self, session: Any, fleet: FleetConfig | None) -> Any:
        """The one subscription the command acts in, with where it came from said once."""
        return one_subscription(session, self.subscription, fleet)

    @contextmanager
    def open(self) -> Iterator[StackSession]:
        """The stack, then a session, then the subscription: the opening of every stack-wide command."""
        fleet = self.fleet()
        with self.azure() as session:
            yield StackSession(fleet, session, self.subscription_in(session, fleet))


def stack_target_options(command: Callable[..., R]) -> Callable[..., R]:
    """Shows Typer the four options in place of the command's `target: StackTarget` parameter, and
    calls the command with them gathered into that one value."""
    hints = typing.get_type_hints(command, include_extras=True)
    names = [name for name, _ in _OPTIONS]
    parameters: list[inspect.Parameter] = []
    for parameter in inspect.signature(command).parameters.values():
        if parameter.name == "target":
            parameters += [inspect.Parameter(name, parameter.kind, default=None,
                                             annotation=option) for name, option in _OPTIONS]
        else:
            parameters.append(parameter.replace(annotation=hints[parameter.name]))
    if not set(names) <= {p.name for p in parameters}:
        raise TypeError(f"{command.__name__} has no `target: StackTarget` parameter")

    @functools.wraps(command)
    def with_target(**kwargs: Any) -> R:
        target = StackTarget(**{name: kwargs.pop(name) for name in names})
        return command(target=target, **kwargs)

    with_target.__signature__ = inspect.Signature(parameters, return_annotation=hints.get("return"))  # type: ignore[attr-defined]
    with_target.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": hints.get("return")}
    return with_target

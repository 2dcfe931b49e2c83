"""Typed stack configuration, validated against the catalog before any resource is declared.

Why so strict: a typo in `Pulumi.<stack>.yaml` that silently falls back to a default, or a region
that Azure rejects twenty minutes into `pulumi up`, costs far more than one clear line now. Every
problem is reported (field, value, what is allowed), all at once, and nothing is half-built.

Config arrives in two forms: the Pulumi runtime hands every value over as a string (structured
values as JSON), while `maas plan` reads the YAML stack file with native lists and maps. Both go
through `parse_stack_config`.
"""
from __future__ import annotations

import difflib
import json
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ValidationError

from infra import naming
from infra.catalog import (
    MODELS,
    REGIONS,
    REQUIRED_TAGS,
    Persona,
    PrincipalType,
)
from infra.config_model import (
    _MISSING,
    NAMESPACE,
    SURVIVE_CHOICES,
    ConfigError,
    FleetConfig,
    Problem,
)
from infra.options import network_problems
from infra.stack_yaml import StackYamlRefused, read_stack_yaml

_TAG_FORBIDDEN: Final = set('<>%&\\?/')

# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

_FIELDS: Final = {
    (f.alias or name): name for name, f in FleetConfig.model_fields.items() if not f.exclude
}
_STRUCTURED: Final = {"regions", "models", "projects", "access", "tags", "capacity", "includeDeployingIdentity",
               "diagnostics", "protect", "budget", "network"}


def parse_stack_config(raw: Mapping[str, Any], stack: str = "dev", source: str = "") -> FleetConfig:
    """Validate namespaced config (`maas-fleet:regions` -> value) into a FleetConfig.

    Keys of other namespaces (`azure-native:location`, ...) belong to their providers and pass
    through; only `azure-native:subscriptionId` is read, for the Azure-facing commands.
    """
    problems: list[Problem] = []
    ours: dict[str, Any] = {}
    subscription_id = None
    for key, value in raw.items():
        namespace, sep, name = str(key).partition(":")
        if not sep:
            problems.append(Problem(str(key), _MISSING, f"has no namespace; write it as {NAMESPACE}:{key}"))
            continue
        if namespace != NAMESPACE:
            if key == "azure-native:subscriptionId" and isinstance(value, str):
                subscription_id = value
            continue
        if name not in _FIELDS:
            hint = difflib.get_close_matches(name, list(_FIELDS), n=1)
            did_you_mean = f"did you mean {hint[0]!r}? " if hint else ""
            problems.append(Problem(name, _MISSING, f"is not a known key; {did_you_mean}(a typo must not fall "
                                    "back to a default)", ", ".join(sorted(_FIELDS))))
            continue
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            problems.append(Problem(name, _MISSING, "is encrypted, but no maas-fleet key holds a secret; "
                                    "set it in plain text"))
            continue
        if name in _STRUCTURED and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                if name in ("access", "tags", "capacity", "budget", "network"):
                    problems.append(Problem(name, value, "is not valid JSON/YAML for a structured value"))
                    continue
        ours[name] = value

    extra: dict[str, Any] = {"subscriptionId": subscription_id, "stack": stack}
    if "models" in ours:
        ours["models"], extra["modelVersions"], pin_problems = _split_model_pins(ours["models"])
        problems.extend(pin_problems)
        if ours["models"] is None:  # an entry without a slug: its index would shift every later line
            del ours["models"]
    try:
        config: FleetConfig | None = FleetConfig.model_validate({**ours, **extra})
    except ValidationError as exc:
        problems.extend(_from_pydantic(exc))
        # Still check what did parse, so the user sees every problem in one run.
        failed = {err["loc"][0] for err in exc.errors() if err["loc"]}
        try:
            config = FleetConfig.model_validate({k: v for k, v in ours.items() if k not in failed} | extra)
        except ValidationError:
            config = None
    if config is not None:
        problems.extend(semantic_problems(config, check_names=not problems))
    if problems:
        raise ConfigError(problems, source)
    assert config is not None
    return config


def _split_model_pins(value: Any) -> tuple[Any, dict[str, int], list[Problem]]:
    """`models` entries are slugs or `{slug, version}`: the slugs go on as `models`, the versions apart."""
    if not isinstance(value, list | tuple):
        return value, {}, []
    slugs: list[Any] = []
    versions: dict[str, int] = {}
    problems: list[Problem] = []
    slugless = False
    for i, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            slugs.append(entry)
            continue
        unknown = sorted(set(map(str, entry)) - {"slug", "version"})
        slug, version = entry.get("slug"), entry.get("version")
        if unknown:
            problems.append(Problem(f"models[{i}]", _MISSING, f"has unknown key(s) {', '.join(unknown)}",
                                    "slug, version"))
        if not isinstance(slug, str) or not slug:
            problems.append(Problem(f"models[{i}].slug", _MISSING if slug is None else slug, "is required: a catalog "
                                    "slug", ", ".join(MODELS)))
            slugless = True
            continue
        slugs.append(slug)
        number = str(version).strip() if isinstance(version, int | str) and not isinstance(version, bool) else ""
        if version is None:
            continue  # `{slug: x}` alone: unpinned
        if not number.isdigit() or int(number) < 1:
            problems.append(Problem(f"models[{i}].version", version, "must be a whole number from 1 (a registry "
                                    "model version, as in .../models/<Name>/versions/1)"))
            continue
        versions[slug] = int(number)
    return (None if slugless else slugs), versions, problems


def load_stack_file(path: str | Path) -> FleetConfig:
    """Read `Pulumi.<stack>.yaml` (its `config:` map); the stack name comes from the file name."""
    path = Path(path)
    source = str(path)
    try:
        document = read_stack_yaml(path)
    except FileNotFoundError:
        raise ConfigError([Problem("file", source, "does not exist")], source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem("file", source, f"cannot be read ({exc.__class__.__name__})")], source) from None
    except StackYamlRefused as exc:
        raise ConfigError([Problem("file", source, str(exc))], source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError([Problem("file", source, f"is not valid YAML{where}")], source) from None
    if document is None:
        document = {}
    if not isinstance(document, Mapping) or not isinstance(document.get("config", {}), Mapping):
        raise ConfigError([Problem("file", source, "must be a mapping with a 'config:' section")], source)
    name = path.name
    stack = name[len("Pulumi."):-len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else path.stem
    return parse_stack_config(document.get("config") or {}, stack=stack, source=source)


def stack_file(stack: str, project_dir: str | Path = ".") -> Path:
    return Path(project_dir) / f"Pulumi.{stack}.yaml"


def _from_pydantic(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        field = str(loc[0]) if loc else "config"
        path = field + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
        message = err["msg"].removeprefix("Value error, ")
        value: Any = err.get("input", _MISSING)
        if err["type"] == "missing":
            value, message = _MISSING, "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a known key"
        elif loc[-1] == "principalType" and err["type"] == "enum":
            problems.append(Problem(path, err.get("input"), "is not a principal type", ", ".join(PrincipalType)))
            continue
        elif field == "access" and loc[-1] == "persona":
            problems.append(Problem(path, err.get("input"), "is not a persona", ", ".join(Persona)))
            continue
        if isinstance(value, Mapping | list | tuple) and len(str(value)) > 80:
            value = _MISSING
        problems.append(Problem(path, value, message))
    return problems


def semantic_problems(config: FleetConfig, check_names: bool = True) -> list[Problem]:
    """Everything the catalog and Azure's naming rules say about an otherwise well-typed config."""
    problems: list[Problem] = []
    add = problems.append

    if not naming.PREFIX_PATTERN.fullmatch(config.prefix):
        add(Problem("prefix", config.prefix, "must be 2-10 lower-case letters and digits, starting with a letter"))
    if not naming.ENVIRONMENT_PATTERN.fullmatch(config.environment):
        add(Problem("environment", config.environment,
                    "must be 1-8 lower-case letters and digits, starting with a letter"))
    if config.name_suffix and not naming.SUFFIX_PATTERN.fullmatch(config.name_suffix):
        add(Problem("nameSuffix", config.name_suffix, "must be 1-4 lower-case letters and digits"))

    for i, slug in enumerate(config.models):
        if slug not in MODELS:
            close = difflib.get_close_matches(slug.lower(), list(MODELS), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            add(Problem(f"models[{i}]", slug, f"is not a known model{hint}", ", ".join(MODELS)))
    known_models = [MODELS[s] for s in config.models if s in MODELS]
    for field, values in (("models", config.models), ("regions", config.regions), ("projects", config.projects)):
        for i, value in enumerate(values):
            if value in values[:i]:
                add(Problem(f"{field}[{i}]", value, "is listed twice"))

    for i, region in enumerate(config.regions):
        if region not in REGIONS:
            add(Problem(f"regions[{i}]", region, "is not a region where the Stability AI serverless offer works",
                        ", ".join(REGIONS)))
            continue
        for model in known_models:
            if region not in model.regions:
                add(Problem(f"regions[{i}]", region, f"does not offer {model.slug}", ", ".join(model.regions)))

    for i, project in enumerate(config.projects):
        if not naming.PROJECT_PATTERN.fullmatch(project) or len(project) > naming.PROJECT_MAX_LEN:
            add(Problem(f"projects[{i}]", project, f"must be 1-{naming.PROJECT_MAX_LEN} lower-case letters, digits "
                        "and single hyphens, starting with a letter"))

    seen_access: set[tuple[str, str]] = set()
    for i, entry in enumerate(config.access):
        pair = (entry.principal_id, str(entry.persona))
        if pair in seen_access:
            add(Problem(f"access[{i}]", entry.principal_id, f"already has persona {entry.persona!s}"))
        seen_access.add(pair)
        for j, project in enumerate(entry.projects or ()):
            if project not in config.projects:
                add(Problem(f"access[{i}].projects[{j}]", project, "is not a configured project",
                            ", ".join(config.projects)))
        if entry.projects is not None and not entry.projects:
            add(Problem(f"access[{i}].projects", [], "is empty; omit it for every project or name at least one",
                        ", ".join(config.projects)))

    problems.extend(_capacity_problems(config))

    reserved = set(REQUIRED_TAGS)
    for key, value in config.tags.items():
        if key in reserved:
            add(Problem(f"tags.{key}", value, "is set by maas-fleet itself; remove it"))
        elif not key or len(key) > 512 or _TAG_FORBIDDEN & set(key):
            add(Problem(f"tags.{key}", key, "is not a valid tag name (1-512 characters, none of <>%&\\?/)"))
        elif len(value) > 256:
            add(Problem(f"tags.{key}", value[:20] + "...", "is longer than 256 characters"))

    if config.network is not None:
        for key, found, message in network_problems(config.network, config.regions):
            add(Problem(key, _MISSING if found is None else found, message))

    if check_names and not problems:  # names are only meaningful once their parts are valid
        problems.extend(_name_problems(config))
    return problems


def _capacity_problems(config: FleetConfig) -> list[Problem]:
    """A target must name a model this stack deploys, and surviving a region needs a second one."""
    problems: list[Problem] = []
    for slug, target in config.capacity.items():
        if slug not in MODELS:
            close = difflib.get_close_matches(slug.lower(), list(MODELS), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(f"capacity.{slug}", _MISSING, f"is not a known model{hint}", ", ".join(MODELS)))
        elif slug not in config.models:
            problems.append(Problem(f"capacity.{slug}", _MISSING, "targets a model this stack does not deploy; "
                                    "add it to maas-fleet:models", ", ".join(config.models)))
        if target.requests_per_minute < 1:
            problems.append(Problem(f"capacity.{slug}.requestsPerMinute", target.requests_per_minute,
                                    "must be a positive whole number of requests per minute"))
        if target.survive not in SURVIVE_CHOICES:
            problems.append(Problem(f"capacity.{slug}.survive", target.survive, "is not a survive mode",
                                    ", ".join(SURVIVE_CHOICES)))
        elif target.survive == "region" and len(config.regions) < 2:
            problems.append(Problem(f"capacity.{slug}.survive", target.survive, "needs at least two regions "
                                    f"(this stack has {len(config.regions)}); add a region or use survive: none"))
    return problems


def _name_problems(config: FleetConfig) -> list[Problem]:
    """One line per project and kind of name, quoting the longest offender (regions differ in length)."""
    worst: dict[tuple[str, str], tuple[str, str]] = {}  # (project, kind) -> (name, problem)

    def note(project: str, kind: str, name: str, problem: str | None) -> None:
        if problem and len(name) >= len(worst.get((project, kind), ("",))[0]):
            worst[(project, kind)] = (name, problem)

    namer = config.namer
    for region, project in config.units():
        for kind, name in namer.workspace_names(region, project).items():
            note(project, kind, name, naming.RULES[kind].problem(name))
    seen: dict[tuple[str, str], str] = {}
    collisions: list[Problem] = []
    for e in config.declared_endpoints():
        note(e.project, naming.ENDPOINT_RULE.kind, e.name, naming.ENDPOINT_RULE.problem(e.name))
        owner = seen.setdefault((e.region, e.name.lower()), f"{e.project}/{e.model}")
        if owner != f"{e.project}/{e.model}":
            collisions.append(Problem(f"projects[{config.projects.index(e.project)}]", e.project,
                                      f"gives endpoint name {e.name!r} that collides in {e.region} with {owner}"))
    problems = []
    for (project, kind), (name, problem) in worst.items():
        over = len(name) - naming.RULES[kind].max_len
        advice = f"; shorten prefix, environment or project by {over}" if over > 0 else ""
        problems.append(Problem(f"projects[{config.projects.index(project)}]", project,
                                f"makes an invalid name: {problem}{advice}"))
    return problems + collisions


def reference_markdown() -> str:
    """The configuration reference as a Markdown table, generated from the model so docs cannot drift."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, info in FleetConfig.model_fields.items():
        if info.exclude:
            continue
        key = info.alias or name
        annotation = _without_none(info.annotation)
        origin = typing.get_origin(annotation) or annotation
        kind = {tuple: "list", dict: "map", bool: "bool"}.get(origin, "string")
        if isinstance(origin, type) and issubclass(origin, BaseModel):
            kind = "map"
        if info.is_required():
            default = "required"
        else:
            value = info.get_default(call_default_factory=True)
            if value is None:
                default = "inferred"
            elif isinstance(value, tuple) and len(value) > 1:
                default = "all" if name == "models" else ", ".join(map(str, value))
            elif isinstance(value, tuple):
                default = f"`[{', '.join(map(str, value))}]`"
            else:
                default = f"`{json.dumps(value)}`"
        meaning = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{key}` | {kind} | {default} | {meaning} |")
    return "\n".join(rows) + "\n"


def _without_none(annotation: Any) -> Any:
    """`bool | None` -> bool: an optional key is documented by the type it takes."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 and type(None) in typing.get_args(annotation) else annotation


def load_from_pulumi() -> FleetConfig:
    """The running stack's config, as the Pulumi language host handed it to this process."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    stack = pulumi.get_stack()
    return parse_stack_config(raw, stack=stack, source=f"stack {stack!r}")

"""Python actions known to this installation (entry point `mistral.actions`).

An action is a class with `run(context)` and optional `is_sync()` and
`test()`; subclasses of `mistral_lib.actions.Action` work unchanged.

Three providers supply actions, asked in this order: "legacy" (classes
from the entry points, filtered by `[legacy_action_provider]`), "adhoc"
(YAML definitions stored through /v2/actions) and "dynamic" (classes
from code sources stored through /v2/code_sources). `[action_providers]`
turns providers off. The settings are process-wide, like the entry points
they filter, so the composition roots call `configure()` once at start.
"""
from __future__ import annotations

import fnmatch
import functools
import inspect
import json
import logging
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from mistral import exceptions as exc

LOG = logging.getLogger(__name__)
ENTRY_POINT_GROUP = 'mistral.actions'
GENERATORS_GROUP = 'mistral.generators'
PROVIDERS = ('legacy', 'adhoc', 'dynamic')


@dataclass(frozen=True)
class ProviderSettings:
    """`[action_providers]` and `[legacy_action_provider]`."""
    provider_allowlist: tuple[str, ...] = ()
    provider_denylist: tuple[str, ...] = ()
    load_action_plugins: bool = True
    load_action_generators: bool = True
    only_builtin_actions: bool = False
    allowlist: tuple[str, ...] = ()
    denylist: tuple[str, ...] = ()

    @classmethod
    def from_conf(cls, conf: Any) -> 'ProviderSettings':
        providers = conf.action_providers
        legacy = conf.legacy_action_provider
        return cls(tuple(providers.allowlist), tuple(providers.denylist),
                   legacy.load_action_plugins, legacy.load_action_generators,
                   legacy.only_builtin_actions, tuple(legacy.allowlist),
                   tuple(legacy.denylist))


def allowed(name: str, allowlist: tuple[str, ...],
            denylist: tuple[str, ...]) -> bool:
    """Shell-style patterns; a non-empty allowlist wins over denylist."""
    if allowlist:
        return any(fnmatch.fnmatchcase(name, p) for p in allowlist)
    return not any(fnmatch.fnmatchcase(name, p) for p in denylist)


@dataclass
class _State:
    settings: ProviderSettings = field(default_factory=ProviderSettings)


# Process-wide, like the entry points it filters: set once by configure().
_STATE = _State()


def configure(settings: ProviderSettings) -> None:
    """Apply provider settings to this process (composition roots only)."""
    if settings.provider_allowlist and settings.provider_denylist:
        LOG.warning('[action_providers] allowlist is set: denylist ignored')
    if settings.allowlist and settings.denylist:
        LOG.warning('[legacy_action_provider] allowlist is set: denylist '
                    'ignored')
    _STATE.settings = settings
    system_actions.cache_clear()


def settings() -> ProviderSettings:
    return _STATE.settings


def provider_enabled(name: str) -> bool:
    s = _STATE.settings
    return allowed(name, s.provider_allowlist, s.provider_denylist)


@dataclass(frozen=True)
class ActionInfo:
    name: str
    cls: type
    description: str
    input: str           # upstream's signature string, e.g. "seconds=1"
    required: tuple[str, ...]
    optional: tuple[str, ...]
    accepts_any: bool    # __init__ takes **kwargs
    runs_in_engine: bool = False  # pure and instant: no executor needed

    def check_input(self, given: dict) -> None:
        missing = [p for p in self.required if p not in given]
        unexpected = [] if self.accepts_any else [
            k for k in given if k not in self.required + self.optional]
        if missing or unexpected:
            raise exc.WorkflowInputError(
                f'{self.cls.__module__}.{self.cls.__name__}', self.name,
                missing, unexpected)

    def instantiate(self, params: dict) -> Any:
        self.check_input(params)
        return self.cls(**params)

    def inline_with(self, params: dict) -> bool:
        """Whether a run with these inputs is pure and instant, so the
        engine may run it itself. An action class says so with
        `runs_in_engine = True`, or names the inputs that make a run slow
        (say a delay) in `slow_inputs`."""
        return self.runs_in_engine and not any(
            params.get(name) for name in getattr(self.cls, 'slow_inputs', ()))


def _signature(cls: type) -> tuple[str, tuple, tuple, bool]:
    try:
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return '', (), (), True
    parts, required, optional, any_kw = [], [], [], False
    for p in params:
        if p.kind is p.VAR_KEYWORD:
            any_kw = True
            parts.append(f'**{p.name}')
        elif p.kind is p.VAR_POSITIONAL:
            parts.append(f'*{p.name}')
        elif p.default is p.empty:
            required.append(p.name)
            parts.append(p.name)
        else:
            optional.append(p.name)
            parts.append(f'{p.name}={json.dumps(p.default, default=str)}')
    return ', '.join(parts), tuple(required), tuple(optional), any_kw


def describe(name: str, cls: type, description: str | None = None,
             input_spec: str | None = None) -> ActionInfo:
    signature, required, optional, any_kw = _signature(cls)
    doc = inspect.getdoc(cls) or ''
    return ActionInfo(name=name, cls=cls,
                      description=(doc.split('\n')[0] if description is None
                                   else description),
                      input=signature if input_spec is None else input_spec,
                      required=required, optional=optional,
                      accepts_any=any_kw,
                      runs_in_engine=bool(getattr(cls, 'runs_in_engine',
                                                  False)))


def _plugin_actions(only_builtin: bool) -> dict[str, ActionInfo]:
    found: dict[str, ActionInfo] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if only_builtin and not ep.value.startswith('mistral.'):
            continue
        try:
            found[ep.name] = describe(ep.name, ep.load())
        except Exception as e:  # a broken plugin must not stop the service
            LOG.error('Cannot load action %s (%s): %s', ep.name, ep.value, e)
    return found


def _generated_actions() -> dict[str, ActionInfo]:
    """Actions made by generators (upstream's `mistral.generators`: each
    entry point returns generators whose create_actions() gives dicts
    with name, class, description and arg_list)."""
    found: dict[str, ActionInfo] = {}
    for ep in metadata.entry_points(group=GENERATORS_GROUP):
        try:
            generators = ep.load()
            if callable(generators):
                generators = generators()
            for generator in generators or []:
                for action in generator.create_actions():
                    found[action['name']] = describe(
                        action['name'], action['class'],
                        action.get('description'), action.get('arg_list'))
        except Exception as e:  # a broken plugin must not stop the service
            LOG.error('Cannot load action generator %s (%s): %s', ep.name,
                      ep.value, e)
    return found


@functools.lru_cache(maxsize=1)
def system_actions() -> dict[str, ActionInfo]:
    """The actions of the "legacy" provider, by name: entry point classes
    and generated actions, after `[legacy_action_provider]` filters."""
    s = _STATE.settings
    if not provider_enabled('legacy'):
        return {}
    found: dict[str, ActionInfo] = {}
    if s.load_action_generators:
        found.update(_generated_actions())
    if s.load_action_plugins:
        found.update(_plugin_actions(s.only_builtin_actions))
    return dict(sorted((name, info) for name, info in found.items()
                       if allowed(name, s.allowlist, s.denylist)))


def get(name: str) -> ActionInfo:
    info = system_actions().get(name)
    if info is None:
        raise exc.ActionNotFoundError(name)
    return info


def lookup(name: str, source: dict | None = None) -> ActionInfo:
    """A system action, or with `source` (see actions.dynamic) the class
    of a dynamic action compiled from its code source."""
    if source is None:
        return get(name)
    from mistral.actions import dynamic
    return dynamic.action_info(name, source)

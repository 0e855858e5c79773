"""Python actions known to this installation (entry point `mistral.actions`).

An action is a class with `run(context)` and optional `is_sync()` and
`test()`; subclasses of `mistral_lib.actions.Action` work unchanged.
"""
from __future__ import annotations

import functools
import inspect
import json
import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from mistral import exceptions as exc

LOG = logging.getLogger(__name__)
ENTRY_POINT_GROUP = 'mistral.actions'


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


def describe(name: str, cls: type) -> ActionInfo:
    signature, required, optional, any_kw = _signature(cls)
    doc = inspect.getdoc(cls) or ''
    return ActionInfo(name=name, cls=cls, description=doc.split('\n')[0],
                      input=signature, required=required, optional=optional,
                      accepts_any=any_kw,
                      runs_in_engine=bool(getattr(cls, 'runs_in_engine',
                                                  False)))


@functools.lru_cache(maxsize=1)
def system_actions() -> dict[str, ActionInfo]:
    """All actions registered through the entry point, by name."""
    found: dict[str, ActionInfo] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[ep.name] = describe(ep.name, ep.load())
        except Exception as e:  # a broken plugin must not stop the service
            LOG.error('Cannot load action %s (%s): %s', ep.name, ep.value, e)
    return dict(sorted(found.items()))


def get(name: str) -> ActionInfo:
    info = system_actions().get(name)
    if info is None:
        raise exc.ActionNotFoundError(name)
    return info

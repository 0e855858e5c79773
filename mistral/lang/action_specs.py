"""Ad-hoc actions and workbooks of Workflow Language v2."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mistral import exceptions as exc
from mistral.lang import inline, schemas
from mistral.lang.specs import (InputParam, WorkflowSpec, expression_errors,
                                schema_errors)

ACTION = {
    'type': 'object',
    'properties': {
        **schemas.META,
        'base': schemas.NON_EMPTY_STRING,
        'base-input': {'type': 'object'},
        'input': schemas.INPUT_LIST,
        'output': {},
    },
    'required': ['base'],
    'additionalProperties': False,
}

_NAME = r'^(?!version$)[\w.-]+$'
WORKBOOK = {
    'type': 'object',
    'properties': {
        **schemas.META,
        'workflows': {'type': 'object',
                      'propertyNames': {'pattern': _NAME}},
        'actions': {'type': 'object', 'propertyNames': {'pattern': _NAME}},
    },
    'required': ['name'],
    'additionalProperties': False,
}


def input_params(raw: Any) -> tuple[InputParam, ...]:
    params = []
    for item in raw or []:
        if isinstance(item, dict) and len(item) == 1:
            (name, default), = item.items()
            params.append(InputParam(str(name), False, default))
        elif isinstance(item, str):
            params.append(InputParam(item, True))
    return tuple(params)


def input_signature(params: tuple[InputParam, ...]) -> str:
    """'a, b=1' as /v2/actions shows an ad-hoc action's input."""
    import json
    return ', '.join(p.name if p.required else
                     f'{p.name}={json.dumps(p.default)}' for p in params)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    raw: dict
    base: str
    base_params: dict       # inline params of `base`, under `base-input`
    base_input: dict
    input: tuple[InputParam, ...]
    output: Any
    description: str
    tags: tuple[str, ...]

    @classmethod
    def build(cls, name: str, raw: Any, errors: list[str]) -> 'ActionSpec':
        errors.extend(schema_errors(ACTION, raw, name))
        if not isinstance(raw, dict):
            raw = {}
        if ' ' in name:
            errors.append(f"{name}: Name '{name}' must not contain spaces")
        for key in ('base-input', 'output'):
            errors.extend(expression_errors(raw.get(key), f'{name}.{key}'))
        base, params = '', {}
        if isinstance(raw.get('base'), str):
            try:
                base, params = inline.parse(raw['base'])
            except ValueError as e:
                errors.append(f'{name}.base: {e}')
        base_input = raw.get('base-input')
        return cls(
            name=name, raw=raw, base=base, base_params=params,
            base_input=base_input if isinstance(base_input, dict) else {},
            input=input_params(raw.get('input')), output=raw.get('output'),
            description=raw.get('description', '') or '',
            tags=tuple(t for t in raw.get('tags') or () if isinstance(t, str))
            if isinstance(raw.get('tags'), list) else ())

    @classmethod
    def from_dict(cls, name: str, raw: Any) -> 'ActionSpec':
        errors: list[str] = []
        spec = cls.build(name, raw, errors)
        if errors:
            raise exc.InvalidModelError(errors)
        return spec


@dataclass(frozen=True)
class WorkbookSpec:
    name: str
    raw: dict
    description: str
    tags: tuple[str, ...]
    workflows: tuple[WorkflowSpec, ...]   # names without the prefix
    actions: tuple[ActionSpec, ...]

    @classmethod
    def build(cls, raw: Any, errors: list[str]) -> 'WorkbookSpec':
        errors.extend(schema_errors(WORKBOOK, raw, '<workbook>'))
        if not isinstance(raw, dict):
            raw = {}
        name = str(raw.get('name') or '')
        if re.search(r'\s', name):
            errors.append(f"<workbook>: Name '{name}' must not contain "
                          'spaces')
        workflows, actions = [], []
        for key, builder, out in (('workflows', WorkflowSpec.build,
                                   workflows),
                                  ('actions', ActionSpec.build, actions)):
            section = raw.get(key) or {}
            if not isinstance(section, dict):
                continue
            for item_name, item in section.items():
                if item_name == 'version':
                    continue
                out.append(builder(str(item_name), item, errors))
        return cls(name=name, raw=raw,
                   description=raw.get('description', '') or '',
                   tags=tuple(raw.get('tags') or ())
                   if isinstance(raw.get('tags'), list) else (),
                   workflows=tuple(workflows), actions=tuple(actions))

"""Resolving an action name to the Python action that really runs.

An ad-hoc action is a stored `base` action with prepared input and an
optional `output` transform; bases may themselves be ad-hoc actions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral import expressions
from mistral.actions import registry
from mistral.expressions import functions
from mistral.lang.action_specs import ActionSpec
from mistral.services import actions as action_service
from mistral.services import dynamic_actions as dynamic_service
from mistral.workflow import data_flow

MAX_CHAIN = 10


@dataclass
class ResolvedAction:
    system_name: str
    params: dict
    # Output expressions to apply to the result, innermost first.
    output_transforms: list = field(default_factory=list)
    # A dynamic action's class and code (see actions.dynamic), else None.
    source: dict | None = None


def _lookup(session: Session, name: str, namespace: str, project_id: str,
            prefix: str | None):
    """Workbook actions find their siblings by short name first."""
    if prefix:
        row = action_service.find_adhoc(session, f'{prefix}.{name}',
                                        namespace, project_id)
        if row is not None:
            return row
    return action_service.find_adhoc(session, name, namespace, project_id)


def resolve(session: Session, name: str, params: dict, namespace: str,
            project_id: str, env: dict,
            prefix: str | None = None) -> ResolvedAction:
    transforms: list = []
    seen: list[str] = []
    source = None
    while name not in registry.system_actions():
        if name in seen or len(seen) >= MAX_CHAIN:
            raise exc.InputError(
                f'Ad-hoc action chain is cyclic or deeper than {MAX_CHAIN}: '
                f'{" -> ".join(seen + [name])}')
        seen.append(name)
        row = _lookup(session, name, namespace, project_id, prefix) \
            if registry.provider_enabled('adhoc') else None
        if row is None:
            # Providers in upstream's order: legacy, adhoc, dynamic.
            if registry.provider_enabled('dynamic'):
                source = dynamic_service.find_for_run(session, name,
                                                      namespace, project_id)
            if source is None:
                raise exc.ActionNotFoundError(name)
            break
        spec = ActionSpec.from_dict(row.name, row.spec)
        declared = {p.name for p in spec.input}
        # Undeclared input is ignored, as upstream documents.
        given = {k: v for k, v in params.items() if k in declared} \
            if declared else {}
        full = data_flow.validate_input(spec.input, given, 'AdHocAction',
                                        row.name)
        data = {**full, functions.ENV_KEY: env}
        params = expressions.evaluate_recursively(
            {**spec.base_params, **spec.base_input}, data)
        if spec.output is not None:
            transforms.insert(0, spec.output)
        name = spec.base
    registry.lookup(name, source).check_input(params)
    return ResolvedAction(name, params, transforms, source)


def transform_output(transforms: list, result: Any) -> Any:
    for transform in transforms:
        result = expressions.evaluate_recursively(transform, result)
    return result

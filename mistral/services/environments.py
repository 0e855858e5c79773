"""Stored environments: named sets of variables that executions can use
as `params.env` by name."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.services.visibility import find_visible

ENV = models.Environment
CREATE_KEYS = ('name', 'description', 'variables', 'scope')
UPDATE_KEYS = ('description', 'variables', 'scope')
SCOPES = ('private', 'public')
_NAME_MAX = 200


def check_keys(body: dict, allowed: tuple[str, ...]) -> None:
    """Upstream's message for a body with keys it does not know."""
    if set(body) - set(allowed):
        raise exc.InputError(
            'Please, check your environment definition. Only: '
            f'{list(allowed)} are allowed as definition keys.')


def clean_values(body: dict) -> dict[str, Any]:
    """Validated column values from a request body (keys already
    checked); `variables` may be an object or a string holding one."""
    values: dict[str, Any] = {}
    if 'name' in body:
        name = body['name']
        if not isinstance(name, str) or not name.strip():
            raise exc.InputError('Name of the environment is not provided.')
        if len(name) > _NAME_MAX:
            raise exc.InputError(f'Environment name must be at most '
                                 f'{_NAME_MAX} characters long.')
        values['name'] = name
    if 'description' in body:
        description = body['description']
        if description is not None and not isinstance(description, str):
            raise exc.InputError("'description' must be a string.")
        values['description'] = description
    if 'variables' in body:
        values['variables'] = _variables(body['variables'])
    if 'scope' in body:
        scope = body['scope']
        if scope not in SCOPES:
            raise exc.InputError(f"Scope must be one of {list(SCOPES)}, got "
                                 f"'{scope}'")
        values['scope'] = scope
    return values


def _variables(value: Any) -> dict:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise exc.InputError("'variables' is not valid JSON: "
                                 f'{value[:100]}')
    if not isinstance(value, dict):
        raise exc.InputError("'variables' must be a JSON object, got "
                             f'{type(value).__name__}')
    return value


def find_environment(session: Session, identifier: str,
                     project_id: str) -> models.Environment:
    """By id or name: the caller's own first, then a public one."""
    return find_visible(session, ENV, 'Environment', identifier, project_id)


def _own(session: Session, identifier: str,
         project_id: str) -> models.Environment:
    """An environment the caller may change: only its own."""
    row = session.scalars(sa.select(ENV).where(
        ENV.project_id == project_id,
        sa.or_(ENV.name == identifier, ENV.id == identifier))).first()
    if row is None:
        raise exc.NotFoundError('Environment', name=identifier)
    return row


def create_environment(session: Session, values: dict,
                       project_id: str) -> models.Environment:
    if 'name' not in values:
        raise exc.InputError('Name of the environment is not provided.')
    if session.scalars(sa.select(ENV.id).where(
            ENV.name == values['name'],
            ENV.project_id == project_id)).first() is not None:
        raise exc.DuplicateEntryError('Environment', name=values['name'],
                                      project_id=project_id)
    row = ENV(id=models.new_id(), name=values['name'],
              description=values.get('description'),
              variables=values.get('variables') or {},
              scope=values.get('scope') or 'private',
              project_id=project_id)
    session.add(row)
    session.flush()
    return row


def update_environment(session: Session, name: str, values: dict,
                       project_id: str) -> models.Environment:
    row = _own(session, name, project_id)
    for key, value in values.items():
        if key != 'name':
            setattr(row, key, value)
    session.flush()
    return row


def delete_environment(session: Session, identifier: str,
                       project_id: str) -> None:
    session.delete(_own(session, identifier, project_id))

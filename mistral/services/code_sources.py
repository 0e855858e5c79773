"""Stored code sources: Python modules uploaded as text, from which
dynamic actions take their classes."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.actions import dynamic
from mistral.db import models
from mistral.services.visibility import (find_in_namespace,
                                         find_own_in_namespace)

CODE = models.CodeSource
KIND = 'CodeSource'
SCOPES = ('private', 'public')
_NAME_MAX = 255


def check_scope(scope: str | None, default: str = 'private') -> str:
    if scope in (None, ''):
        return default
    if scope not in SCOPES:
        raise exc.InputError(f"Scope must be one of {list(SCOPES)}, got "
                             f"'{scope}'")
    return scope


def check_name(name: str | None) -> str:
    if not name or not name.strip():
        raise exc.InputError('Name of the code source is not provided.')
    if len(name) > _NAME_MAX:
        raise exc.InputError(f'Code source name must be at most {_NAME_MAX} '
                             'characters long.')
    return name


def find_code_source(session: Session, identifier: str, namespace: str,
                     project_id: str) -> models.CodeSource:
    """By id, or by name in `namespace`: the caller's own first, then a
    public one."""
    return find_in_namespace(session, CODE, KIND, identifier, namespace,
                             project_id)


def create_code_source(session: Session, name: str, content: str,
                       namespace: str, scope: str,
                       project_id: str) -> models.CodeSource:
    name = check_name(name)
    dynamic.check_syntax(name, content)
    if session.scalars(sa.select(CODE.id).where(
            CODE.name == name, CODE.namespace == namespace,
            CODE.project_id == project_id)).first() is not None:
        raise exc.DuplicateEntryError(KIND, name=name, namespace=namespace,
                                      project_id=project_id)
    row = CODE(id=models.new_id(), name=name, namespace=namespace,
               content=content, version=1, scope=scope,
               project_id=project_id)
    session.add(row)
    session.flush()
    return row


def update_code_source(session: Session, identifier: str, content: str,
                       namespace: str, scope: str | None,
                       project_id: str) -> models.CodeSource:
    """New text for a code source; its version goes up by one, so every
    process compiles it again the next time one of its actions runs."""
    row = find_own_in_namespace(
        session, CODE, KIND, identifier, namespace, project_id)
    dynamic.check_syntax(row.name, content)
    row.content = content
    if scope is not None:
        row.scope = scope
    row.version = (row.version or 0) + 1
    session.flush()
    return row


def delete_code_source(session: Session, identifier: str, namespace: str,
                       project_id: str) -> None:
    """Its dynamic actions go with it, as upstream's cascade does."""
    row = find_own_in_namespace(
        session, CODE, KIND, identifier, namespace, project_id)
    session.execute(sa.delete(models.DynamicActionDefinition).where(
        models.DynamicActionDefinition.code_source_id == row.id))
    session.delete(row)


def action_names(session: Session, code_source_id: str) -> list[str]:
    """Names of the dynamic actions bound to a code source."""
    model = models.DynamicActionDefinition
    return list(session.scalars(sa.select(model.name).where(
        model.code_source_id == code_source_id).order_by(model.name)))

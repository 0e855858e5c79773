"""Stored dynamic actions: an action name bound to a class of a code
source, and finding them when a task runs one."""
from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.actions import dynamic
from mistral.db import models
from mistral.services import code_sources as code_service
from mistral.services.visibility import (find_in_namespace,
                                         find_own_in_namespace, visible)

DYN = models.DynamicActionDefinition
KIND = 'DynamicActionDefinition'
CREATE_KEYS = ('name', 'class_name', 'code_source_id', 'code_source_name',
               'namespace', 'scope')
# Read-only fields a client may send back unchanged.
IGNORED_KEYS = ('id', 'project_id', 'created_at', 'updated_at')
UPDATE_KEYS = CREATE_KEYS + ('id',)
_NAME_MAX = 255


def check_keys(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed) - set(IGNORED_KEYS))
    if unknown:
        raise exc.InputError(
            f"Unknown attribute for dynamic action: {', '.join(unknown)}. "
            f'Allowed attributes: {", ".join(allowed)}')


def _text(body: dict, key: str, required: bool = False) -> str | None:
    value = body.get(key)
    if value in (None, ''):
        if required:
            raise exc.InputError(f"'{key}' of the dynamic action is not "
                                 'provided.')
        return None
    if not isinstance(value, str):
        raise exc.InputError(f"'{key}' must be a string, got "
                             f'{type(value).__name__}')
    if len(value) > _NAME_MAX:
        raise exc.InputError(f"'{key}' must be at most {_NAME_MAX} "
                             'characters long.')
    return value


def _code_source(session: Session, body: dict, namespace: str,
                 project_id: str) -> models.CodeSource | None:
    # Both checked, even when the id alone is used.
    by_id, by_name = _text(body, 'code_source_id'), \
        _text(body, 'code_source_name')
    identifier = by_id or by_name
    if identifier is None:
        return None
    return code_service.find_code_source(session, identifier, namespace,
                                         project_id)


def find_dynamic_action(session: Session, identifier: str, namespace: str,
                        project_id: str) -> models.DynamicActionDefinition:
    """By id, or by name in `namespace`: own first, then a public one."""
    return find_in_namespace(session, DYN, KIND, identifier, namespace,
                             project_id)


def create_dynamic_action(session: Session, body: dict,
                          project_id: str) -> models.DynamicActionDefinition:
    check_keys(body, CREATE_KEYS)
    name = _text(body, 'name', required=True)
    class_name = _text(body, 'class_name', required=True)
    namespace = _text(body, 'namespace') or ''
    scope = code_service.check_scope(body.get('scope'))
    code = _code_source(session, body, namespace, project_id)
    if code is None:
        raise exc.InputError("Either 'code_source_id' or 'code_source_name' "
                             'must be provided.')
    if session.scalars(sa.select(DYN.id).where(
            DYN.name == name, DYN.namespace == namespace,
            DYN.project_id == project_id)).first() is not None:
        raise exc.DuplicateEntryError(KIND, name=name, namespace=namespace,
                                      project_id=project_id)
    row = DYN(id=models.new_id(), name=name, namespace=namespace,
              class_name=class_name, code_source_id=code.id,
              code_source_name=code.name, scope=scope,
              project_id=project_id)
    session.add(row)
    session.flush()
    return row


def update_dynamic_action(session: Session, body: dict,
                          project_id: str) -> models.DynamicActionDefinition:
    """Body names the action by `id` or `name`; class_name, scope and
    the code source may change."""
    check_keys(body, UPDATE_KEYS)
    by_id, by_name = _text(body, 'id'), _text(body, 'name')
    identifier = by_id or by_name
    if identifier is None:
        raise exc.InputError("Either 'name' or 'id' must be provided.")
    namespace = _text(body, 'namespace') or ''
    row = find_own_in_namespace(
        session, DYN, KIND, identifier, namespace, project_id)
    class_name = _text(body, 'class_name')
    if class_name is not None:
        row.class_name = class_name
    if body.get('scope') not in (None, ''):
        row.scope = code_service.check_scope(body['scope'])
    code = _code_source(session, body, namespace, project_id)
    if code is not None:
        row.code_source_id = code.id
        row.code_source_name = code.name
    session.flush()
    return row


def delete_dynamic_action(session: Session, identifier: str, namespace: str,
                          project_id: str) -> None:
    session.delete(find_own_in_namespace(
        session, DYN, KIND, identifier, namespace, project_id))


def find_for_run(session: Session, name: str, namespace: str | None,
                 project_id: str) -> dict | None:
    """The action source (see actions.dynamic) of the dynamic action
    `name` visible to the project, its namespace first, then '' — or
    None when there is none."""
    for ns in dict.fromkeys([namespace or '', '']):
        rows = session.scalars(sa.select(DYN).where(
            DYN.name == name, DYN.namespace == ns,
            visible(DYN, project_id))).all()
        if rows:
            row = min(rows, key=lambda r: r.project_id != project_id)
            code = session.get(models.CodeSource, row.code_source_id)
            if code is None:
                raise exc.InputError(
                    f"Code source of dynamic action '{name}' is gone "
                    f'[code_source_id={row.code_source_id}]')
            return dynamic.action_source(code, row.class_name)
    return None


def list_for_actions(session: Session, namespace: str | None,
                     project_id: str) -> list[tuple[Any, Any]]:
    """(dynamic action, code source) pairs visible in `namespace`, for
    GET /v2/actions."""
    query = sa.select(DYN, models.CodeSource).join(
        models.CodeSource, models.CodeSource.id == DYN.code_source_id
    ).where(visible(DYN, project_id), DYN.namespace == (namespace or ''))
    return [tuple(r) for r in session.execute(query)]


def action_values(session: Session, namespace: str | None,
                  project_id: str,
                  timestamp: Callable[[Any], Any]) -> list[dict]:
    """Dynamic actions as GET /v2/actions shows them (`timestamp`
    formats dates): like upstream, the id is the name, is_system is false
    and `input` and `description` come from the class (empty when its
    code source does not load)."""
    from mistral.actions import registry
    if not registry.provider_enabled('dynamic'):
        return []
    out = []
    for row, code in list_for_actions(session, namespace, project_id):
        try:
            info = dynamic.action_info(
                row.name, dynamic.action_source(code, row.class_name))
            signature, description = info.input, info.description
        except exc.MistralError:
            signature, description = '', ''
        out.append({
            'id': row.name, 'name': row.name, 'namespace': row.namespace,
            'is_system': False, 'input': signature,
            'description': description, 'tags': [], 'definition': '',
            'scope': row.scope, 'project_id': row.project_id,
            'created_at': timestamp(row.created_at),
            'updated_at': timestamp(row.updated_at),
        })
    return out

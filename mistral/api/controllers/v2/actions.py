"""/v2/actions: system actions and stored action definitions.

Like upstream, the list is assembled from every provider and filtered,
sorted and paged in memory; the marker is an action name.
"""
from __future__ import annotations

import uuid

import pecan
import sqlalchemy as sa
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.actions import registry
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.definitions import definition_text, scope_param
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context)
from mistral.api.types import timestamp
from mistral.db import models
from mistral.services import actions as action_service
from mistral.services import dynamic_actions as dynamic_service
from mistral.services.visibility import visible

text = wtypes.text
_ID_NAMESPACE = uuid.UUID('6f1bd7a4-5a53-4b43-9d0b-0d8c3b0c2f61')


def _all_actions(session, namespace: str | None) -> list[dict]:
    rows = {r.name: r for r in session.scalars(
        sa.select(models.ActionDefinition).where(
            visible(models.ActionDefinition, request_context().project_id),
            models.ActionDefinition.namespace == (namespace or '')))}
    out = []
    for name, info in registry.system_actions().items():
        row = rows.pop(name, None)
        out.append({
            'id': row.id if row else str(uuid.uuid5(_ID_NAMESPACE, name)),
            'name': name, 'namespace': '', 'is_system': True,
            'input': info.input, 'description': info.description,
            'tags': [], 'definition': None, 'scope': 'public',
            'project_id': None,
            'created_at': timestamp(row.created_at) if row else None,
            'updated_at': timestamp(row.updated_at) if row else None,
        })
    out.extend(_row_values(row) for row in rows.values())
    out.extend(dynamic_service.action_values(
        session, namespace, request_context().project_id, timestamp))
    return out


def _row_values(row: models.ActionDefinition) -> dict:
    return {
        'id': row.id, 'name': row.name, 'namespace': row.namespace,
        'is_system': bool(row.is_system), 'input': row.input or '',
        'description': row.description, 'tags': row.tags or [],
        'definition': row.definition, 'scope': row.scope,
        'project_id': row.project_id,
        'created_at': timestamp(row.created_at),
        'updated_at': timestamp(row.updated_at),
    }


class ActionsController(rest.RestController):
    _custom_actions = {'validate': ['POST']}

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    def _store(self, store_func, namespace, scope) -> list[dict]:
        text_body = definition_text()
        ctx = request_context()

        def tx(session):
            rows = store_func(session, text_body, namespace or '', scope,
                              ctx.project_id)
            return [plain(resources.Action.from_values(_row_values(r)))
                    for r in rows]

        return self.services.store.run_in_transaction(tx)

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, namespace='', scope='private'):
        created = self._store(action_service.create_actions, namespace,
                              scope_param(scope))
        pecan.response.status = 201
        return {'actions': created}

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, identifier=None, namespace='', scope=None):
        updated = self._store(action_service.update_actions, namespace,
                              scope_param(scope, default=None))
        if identifier is not None:
            return updated[0]
        return {'actions': updated}

    @errors.expose(None, text, text, status_code=204)
    def delete(self, identifier, namespace=''):
        ctx = request_context()
        self.services.store.run_in_transaction(
            lambda s: action_service.delete_action(s, identifier,
                                                   namespace or '',
                                                   ctx.project_id))

    @pecan.expose('json')
    @errors.text_endpoint
    def validate(self, **_ignored):
        try:
            action_service.parse_definition(definition_text())
        except exc.InputError as e:
            return {'valid': False, 'error': str(e)}
        return {'valid': True}

    @errors.expose(resources.Action, text, text, text)
    def get_one(self, identifier, namespace='', fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.Action.field_names())
        with self.services.store.read() as session:
            for action in _all_actions(session, namespace):
                if identifier in (action['name'], action['id']):
                    return resources.Action.from_values(action,
                                                        params.fields)
        raise exc.NotFoundError('Action', name=identifier)

    @errors.expose(resources.Actions, text, text, text, text, text, text, text,
              text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, scope=None,
                is_system=None, namespace=None, tags=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields, {}, 
            self.services.max_limit, resources.Action.field_names(),
            default_sort='name')
        with self.services.store.read() as session:
            actions = _all_actions(session, namespace)
        wanted = {'name': name, 'scope': scope}
        actions = [a for a in actions if all(
            v is None or str(a.get(k)) == v for k, v in wanted.items())]
        if is_system is not None:
            flag = is_system.lower() in ('true', '1')
            actions = [a for a in actions if a['is_system'] == flag]
        for key, direction in reversed(list(zip(params.sort_keys,
                                                params.sort_dirs))):
            actions.sort(key=lambda a: (a.get(key) is None,
                                        str(a.get(key) or '')),
                         reverse=direction == 'desc')
        if params.marker:
            names = [a['name'] for a in actions]
            if params.marker not in names:
                raise exc.InputError(f'Marker not found: {params.marker}')
            actions = actions[names.index(params.marker) + 1:]
        if params.limit:
            actions = actions[:params.limit]
        next_url = None
        if params.limit and len(actions) == params.limit:
            next_url = (f'{base_url()}/v2/actions?limit={params.limit}'
                        f"&marker={actions[-1]['name']}")
        return resources.Actions(
            actions=[resources.Action.from_values(a, params.fields)
                     for a in actions], next=next_url)

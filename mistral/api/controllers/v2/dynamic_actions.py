"""/v2/dynamic_actions: action names bound to classes of code sources."""
from __future__ import annotations

import pecan
import sqlalchemy as sa
from pecan import rest
from sqlalchemy import exc as sa_exc
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2.resources import Resource, _common
from mistral.api.definitions import json_body
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context, truthy)
from mistral.db import models
from mistral.services import dynamic_actions as dyn_service
from mistral.services.visibility import visible

text = wtypes.text


class DynamicAction(Resource):
    id = text
    name = text
    namespace = text
    class_name = text
    code_source_id = text
    code_source_name = text
    project_id = text
    scope = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.DynamicActionDefinition, fields=None):
        return cls.from_values({
            **_common(row), 'name': row.name, 'namespace': row.namespace,
            'class_name': row.class_name,
            'code_source_id': row.code_source_id,
            'code_source_name': row.code_source_name,
            'scope': row.scope}, fields)


class DynamicActions(wtypes.Base):
    dynamic_actions = [DynamicAction]
    next = text


class DynamicActionsController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    def _answer(self, change) -> dict:
        project_id = request_context().project_id
        return self.services.store.run_in_transaction(
            lambda session: plain(DynamicAction.from_row(
                change(session, project_id))))

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, **_ignored):
        body = json_body()
        try:
            created = self._answer(
                lambda s, project: dyn_service.create_dynamic_action(
                    s, body, project))
        except sa_exc.IntegrityError:
            raise exc.DuplicateEntryError(
                dyn_service.KIND, name=body.get('name'),
                namespace=body.get('namespace') or '',
                project_id=request_context().project_id)
        pecan.response.status = 201
        return created

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, *path, **_ignored):
        if path:
            raise exc.NotFoundError('Resource', path=pecan.request.path)
        body = json_body()
        return self._answer(
            lambda s, project: dyn_service.update_dynamic_action(
                s, body, project))

    @errors.expose(DynamicAction, text, text, text)
    def get_one(self, identifier, namespace='', fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            DynamicAction.field_names())
        with self.services.store.read() as session:
            row = dyn_service.find_dynamic_action(
                session, identifier, namespace or '',
                request_context().project_id)
            return DynamicAction.from_row(row, params.fields)

    @errors.expose(DynamicActions, text, text, text, text, text, text, text,
                   text, text, text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, tags=None,
                scope=None, project_id=None, created_at=None,
                updated_at=None, all_projects=None, namespace=None,
                class_name=None, code_source_name=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'scope': scope, 'project_id': project_id,
             'created_at': created_at, 'updated_at': updated_at,
             'namespace': namespace, 'class_name': class_name,
             'code_source_name': code_source_name},
            self.services.max_limit, DynamicAction.field_names())
        if tags is not None:
            raise exc.InputError('Dynamic actions have no tags to filter by.')
        model = models.DynamicActionDefinition
        query = sa.select(model)
        if not truthy(all_projects):
            query = query.where(visible(model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params)
            return DynamicActions(
                dynamic_actions=[DynamicAction.from_row(r, params.fields)
                                 for r in rows],
                next=listing.next_link(base_url(), 'dynamic_actions', rows,
                                       params,
                                       {'all_projects': all_projects}))

    @errors.expose(None, text, text, status_code=204)
    def delete(self, identifier, namespace=''):
        project_id = request_context().project_id
        self.services.store.run_in_transaction(
            lambda s: dyn_service.delete_dynamic_action(
                s, identifier, namespace or '', project_id))

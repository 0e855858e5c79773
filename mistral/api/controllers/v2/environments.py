"""/v2/environments"""
from __future__ import annotations

import pecan
import sqlalchemy as sa
from pecan import rest
from sqlalchemy import exc as sa_exc
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.definitions import json_body
from mistral.api.controllers.v2 import resources
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context)
from mistral.db import models
from mistral.services import environments as env_service
from mistral.services.visibility import visible

text = wtypes.text
JSON_COLUMNS = frozenset({'variables'})


class EnvironmentsController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.Environment, text, text)
    def get_one(self, identifier, fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.Environment.field_names())
        with self.services.store.read() as session:
            row = env_service.find_environment(
                session, identifier, request_context().project_id)
            return resources.Environment.from_row(row, params.fields)

    @errors.expose(resources.Environments, text, text, text, text, text,
                   text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, description=None,
                variables=None, scope=None, created_at=None,
                updated_at=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'description': description,
             'variables': variables, 'scope': scope,
             'created_at': created_at, 'updated_at': updated_at},
            self.services.max_limit, resources.Environment.field_names())
        model = models.Environment
        query = sa.select(model).where(
            visible(model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params,
                                 json_columns=JSON_COLUMNS)
            return resources.Environments(
                environments=[resources.Environment.from_row(
                    r, params.fields) for r in rows],
                next=listing.next_link(base_url(), 'environments', rows,
                                       params))

    def _in_transaction(self, change) -> dict:
        """Run `change(session, project_id)` and answer the stored row."""
        project_id = request_context().project_id
        return self.services.store.run_in_transaction(
            lambda session: plain(resources.Environment.from_row(
                change(session, project_id))))

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, **_ignored):
        body = json_body()
        env_service.check_keys(body, env_service.CREATE_KEYS)
        values = env_service.clean_values(body)
        try:
            created = self._in_transaction(
                lambda s, project: env_service.create_environment(
                    s, values, project))
        except sa_exc.IntegrityError:
            # Another request stored the same name between our check and
            # our insert.
            raise exc.DuplicateEntryError(
                'Environment', name=values.get('name'),
                project_id=request_context().project_id)
        pecan.response.status = 201
        return created

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, *path, **_ignored):
        if path:
            raise exc.NotFoundError('Resource', path=pecan.request.path)
        body = json_body()
        name = body.pop('name', None)
        if not name or not isinstance(name, str):
            raise exc.InputError('Name of the environment is not provided.')
        env_service.check_keys(body, env_service.UPDATE_KEYS)
        values = env_service.clean_values(body)
        return self._in_transaction(
            lambda s, project: env_service.update_environment(
                s, name, values, project))

    @errors.expose(None, text, status_code=204)
    def delete(self, identifier):
        project_id = request_context().project_id
        self.services.store.run_in_transaction(
            lambda s: env_service.delete_environment(s, identifier,
                                                     project_id))

"""/v2/workbooks"""
from __future__ import annotations

import pecan
import sqlalchemy as sa
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.definitions import definition_text, scope_param
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context)
from mistral.db import models
from mistral.lang import parser
from mistral.services import workbooks as wb_service
from mistral.services.visibility import visible

text = wtypes.text


class WorkbooksController(rest.RestController):
    _custom_actions = {'validate': ['POST']}

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.Workbook, text, text, text)
    def get_one(self, name, namespace='', fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.Workbook.field_names())
        with self.services.store.read() as session:
            row = wb_service.find_workbook(session, name, namespace,
                                           request_context().project_id)
            return resources.Workbook.from_row(row, params.fields)

    @errors.expose(resources.Workbooks, text, text, text, text, text, text,
                   text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, definition=None,
                tags=None, scope=None, created_at=None, updated_at=None,
                namespace=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'definition': definition, 'tags': tags,
             'scope': scope, 'created_at': created_at,
             'updated_at': updated_at, 'namespace': namespace},
            self.services.max_limit, resources.Workbook.field_names())
        model = models.Workbook
        query = sa.select(model).where(
            visible(model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params,
                                 json_columns=frozenset({'tags'}))
            return resources.Workbooks(
                workbooks=[resources.Workbook.from_row(r, params.fields)
                           for r in rows],
                next=listing.next_link(base_url(), 'workbooks', rows,
                                       params))

    def _store(self, func, namespace, scope) -> dict:
        text_body = definition_text()
        ctx = request_context()

        def tx(session):
            row = func(session, text_body, namespace or '', scope,
                       ctx.project_id)
            return plain(resources.Workbook.from_row(row))

        return self.services.store.run_in_transaction(tx)

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, namespace='', scope='private', skip_validation=None):
        created = self._store(wb_service.create_workbook, namespace,
                              scope_param(scope))
        pecan.response.status = 201
        return created

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, namespace='', scope=None, skip_validation=None):
        return self._store(wb_service.update_workbook, namespace,
                           scope_param(scope, default=None))

    @errors.expose(None, text, text, status_code=204)
    def delete(self, name, namespace=''):
        ctx = request_context()
        self.services.store.run_in_transaction(
            lambda s: wb_service.delete_workbook(s, name, namespace or '',
                                                 ctx.project_id))

    @pecan.expose('json')
    @errors.text_endpoint
    def validate(self, **_ignored):
        try:
            parser.parse_workbook(definition_text())
        except exc.InputError as e:
            return {'valid': False, 'error': str(e)}
        return {'valid': True}

"""/v2/cron_triggers (no PUT: a trigger is replaced by delete + create)"""
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
                                  request_context, truthy)
from mistral.db import models
from mistral.services import cron_triggers as cron_service
from mistral.services.visibility import visible

text = wtypes.text
JSON_COLUMNS = frozenset({'workflow_input', 'workflow_params'})


class CronTriggersController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.CronTrigger, text, text)
    def get_one(self, identifier, fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.CronTrigger.field_names())
        with self.services.store.read() as session:
            row = cron_service.find_cron_trigger(
                session, identifier, request_context().project_id)
            return resources.CronTrigger.from_row(row, params.fields)

    @errors.expose(resources.CronTriggers, text, text, text, text, text,
                   text, text, text, text, text, text, text, text, text,
                   text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                workflow_id=None, workflow_input=None, workflow_params=None,
                scope=None, pattern=None, remaining_executions=None,
                first_execution_time=None, next_execution_time=None,
                created_at=None, updated_at=None, project_id=None,
                all_projects=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'workflow_name': workflow_name,
             'workflow_id': workflow_id, 'workflow_input': workflow_input,
             'workflow_params': workflow_params, 'scope': scope,
             'pattern': pattern,
             'remaining_executions': remaining_executions,
             'first_execution_time': first_execution_time,
             'next_execution_time': next_execution_time,
             'created_at': created_at, 'updated_at': updated_at,
             'project_id': project_id},
            self.services.max_limit, resources.CronTrigger.field_names())
        model = models.CronTrigger
        query = sa.select(model)
        if not truthy(all_projects):
            query = query.where(visible(model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params,
                                 json_columns=JSON_COLUMNS)
            return resources.CronTriggers(
                cron_triggers=[resources.CronTrigger.from_row(
                    r, params.fields) for r in rows],
                next=listing.next_link(base_url(), 'cron_triggers', rows,
                                       params,
                                       {'all_projects': all_projects}))

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, *path, **_ignored):
        if path:
            raise exc.NotFoundError('Resource', path=pecan.request.path)
        project_id = request_context().project_id
        values = cron_service.clean_values(json_body(), models.utcnow())
        try:
            created = self.services.store.run_in_transaction(
                lambda s: plain(resources.CronTrigger.from_row(
                    cron_service.create_cron_trigger(s, values,
                                                     project_id))))
        except sa_exc.IntegrityError:
            # Another request stored the same name between our check and
            # our insert.
            raise exc.DuplicateEntryError('CronTrigger', name=values['name'],
                                          project_id=project_id)
        pecan.response.status = 201
        return created

    @errors.expose(None, text, status_code=204)
    def delete(self, identifier):
        project_id = request_context().project_id
        self.services.store.run_in_transaction(
            lambda s: cron_service.delete_cron_trigger(s, identifier,
                                                       project_id))

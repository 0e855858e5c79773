"""/v2/workflows"""
from __future__ import annotations

import pecan
import sqlalchemy as sa
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.definitions import definition_text, scope_param
from mistral.api.controllers.v2 import resources
from mistral.api.controllers.v2.members import MembersController
from mistral.api.services import (ApiServices, base_url, plain,
                                  request_context, truthy)
from mistral.db import models
from mistral.services import workflows as wf_service
from mistral.services.visibility import visible

text = wtypes.text


class WorkflowsController(rest.RestController):
    _custom_actions = {'validate': ['POST']}

    def __init__(self, services: ApiServices) -> None:
        self.services = services
        self.members = MembersController(services)

    @errors.expose(resources.Workflow, text, text, text)
    def get_one(self, identifier, namespace='', fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.Workflow.field_names())
        with self.services.store.read() as session:
            row = wf_service.find_workflow(session, identifier, namespace,
                                           request_context().project_id)
            return resources.Workflow.from_row(row, params.fields)

    @errors.expose(resources.Workflows, text, text, text, text, text, text,
                   text, text, text, text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, input=None,
                definition=None, tags=None, scope=None, project_id=None,
                created_at=None, updated_at=None, namespace=None,
                all_projects=None):
        params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'name': name, 'definition': definition, 'tags': tags,
             'scope': scope, 'project_id': project_id,
             'created_at': created_at, 'updated_at': updated_at,
             'namespace': namespace},
            self.services.max_limit, resources.Workflow.field_names())
        model = models.WorkflowDefinition
        query = sa.select(model)
        if not truthy(all_projects):
            query = query.where(visible(
                model, request_context().project_id))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, params,
                                 json_columns=frozenset({'tags'}))
            return resources.Workflows(
                workflows=[resources.Workflow.from_row(r, params.fields)
                           for r in rows],
                next=listing.next_link(base_url(), 'workflows', rows,
                                       params,
                                       {'all_projects': all_projects}))

    @pecan.expose('json')
    @errors.text_endpoint
    def post(self, namespace='', scope='private', skip_validation=None):
        text_body = definition_text()
        scope = scope_param(scope)
        ctx = request_context()

        def tx(session):
            rows = wf_service.create_workflows(session, text_body,
                                               namespace or '', scope,
                                               ctx.project_id)
            return [resources.Workflow.from_row(r) for r in rows]

        created = self.services.store.run_in_transaction(tx)
        pecan.response.status = 201
        return {'workflows': [plain(w) for w in created]}

    @pecan.expose('json')
    @errors.text_endpoint
    def put(self, identifier=None, namespace='', scope=None,
            skip_validation=None):
        text_body = definition_text()
        scope = scope_param(scope, default=None)
        ctx = request_context()

        def tx(session):
            rows = wf_service.update_workflows(
                session, text_body, namespace or '', scope, ctx.project_id,
                workflow_id=identifier)
            return [resources.Workflow.from_row(r) for r in rows]

        updated = self.services.store.run_in_transaction(tx)
        if identifier is not None:
            return plain(updated[0])
        return {'workflows': [plain(w) for w in updated]}

    @errors.expose(None, text, text, status_code=204)
    def delete(self, identifier, namespace=''):
        ctx = request_context()
        self.services.store.run_in_transaction(
            lambda s: wf_service.delete_workflow(s, identifier,
                                                 namespace or '',
                                                 ctx.project_id))

    @pecan.expose('json')
    @errors.text_endpoint
    def validate(self, **_ignored):
        try:
            wf_service.parse_definition(definition_text())
        except exc.InputError as e:
            return {'valid': False, 'error': str(e)}
        return {'valid': True}

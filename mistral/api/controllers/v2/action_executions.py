"""/v2/action_executions"""
from __future__ import annotations

import sqlalchemy as sa
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.controllers.v2.sub_executions import bool_param
from mistral.api.services import ApiServices, base_url, request_context
from mistral.db import models
from mistral.workflow import states

text = wtypes.text
JSON_COLUMNS = frozenset({'tags', 'input', 'output', 'params'})


def actions_page(services: ApiServices, marker, limit, sort_keys, sort_dirs,
                 fields, include_output, filters: dict
                 ) -> resources.ActionExecutions:
    params = listing.parse_list_params(
        marker, limit, sort_keys, sort_dirs, fields, filters,
        services.max_limit, resources.ActionExecution.field_names())
    model = models.ActionExecution
    query = sa.select(model).where(
        model.project_id == request_context().project_id)
    with_output = bool_param('include_output', include_output) or \
        'output' in params.fields
    with services.store.read() as session:
        rows = listing.apply(session, query, model, params,
                             json_columns=JSON_COLUMNS)
        return resources.ActionExecutions(
            action_executions=[resources.ActionExecution.from_row(
                r, params.fields, include_output=with_output)
                for r in rows],
            next=listing.next_link(base_url(), 'action_executions', rows,
                                   params,
                                   {'include_output': include_output}))


class ActionExecutionsController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.ActionExecution, text, text)
    def get_one(self, action_ex_id, fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.ActionExecution.field_names())
        with self.services.store.read() as session:
            row = session.get(models.ActionExecution, action_ex_id)
            if row is None or row.project_id != \
                    request_context().project_id:
                raise exc.NotFoundError('ActionExecution', id=action_ex_id)
            return resources.ActionExecution.from_row(row, params.fields)

    @errors.expose(resources.ActionExecutions, text, text, text, text, text,
                   text, text, text, text, text, text, text, text, text,
                   text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, tags=None,
                workflow_name=None, task_name=None, task_execution_id=None,
                state=None, state_info=None, accepted=None,
                description=None, created_at=None, include_output=None,
                input=None, output=None, params=None, updated_at=None):
        return actions_page(self.services, marker, limit, sort_keys,
                            sort_dirs, fields, include_output,
                            {'name': name, 'tags': tags,
                             'workflow_name': workflow_name,
                             'task_name': task_name,
                             'task_execution_id': task_execution_id,
                             'state': state, 'state_info': state_info,
                             'accepted': accepted,
                             'description': description,
                             'created_at': created_at,
                             'updated_at': updated_at, 'input': input,
                             'output': output, 'params': params})

    @errors.expose(resources.ActionExecution,
                   body=resources.ActionExecutionCreate, status_code=201)
    def post(self, body):
        """Run an action outside any workflow."""
        name = _given(body.name)
        if not name:
            raise exc.InputError("Please provide the action 'name'.")
        action_input = _given(body.input) or {}
        params = _given(body.params) or {}
        for value, what in ((action_input, 'input'), (params, 'params')):
            if not isinstance(value, dict):
                raise exc.InputError(f"'{what}' must be a JSON object")
        result = self.services.engine.start_action(
            name, action_input, _given(body.description),
            _given(body.workflow_namespace) or '', params,
            request_context().project_id)
        return resources.ActionExecution.from_values(result)

    @errors.expose(resources.ActionExecution, text,
                   body=resources.ActionExecutionUpdate)
    def put(self, action_ex_id, body):
        """Complete an asynchronous action, or pause/resume it."""
        allowed = [states.SUCCESS, states.ERROR, states.CANCELLED,
                   states.PAUSED, states.RUNNING]
        state = _given(body.state)
        if state not in allowed:
            raise exc.InputError(f'Error. Expected one of {allowed}, '
                                 f'actual: {state}')
        with self.services.store.read() as session:
            row = session.get(models.ActionExecution, action_ex_id)
            if row is None or row.project_id != \
                    request_context().project_id:
                raise exc.NotFoundError('ActionExecution', id=action_ex_id)
        self.services.engine.update_action(action_ex_id, state,
                                           _given(body.output))
        with self.services.store.read() as session:
            return resources.ActionExecution.from_row(
                session.get(models.ActionExecution, action_ex_id))

    @errors.expose(None, text, status_code=204)
    def delete(self, action_ex_id):
        """Delete a finished action execution that ran outside any
        workflow; off unless `[api] allow_action_execution_deletion`."""
        if not self.services.allow_action_execution_deletion:
            raise exc.NotAllowedError('Action execution deletion is not '
                                      'allowed.')
        project_id = request_context().project_id

        def tx(session):
            row = session.get(models.ActionExecution, action_ex_id)
            if row is None or row.project_id != project_id:
                raise exc.NotFoundError('ActionExecution', id=action_ex_id)
            if row.task_execution_id:
                raise exc.NotAllowedError('Only ad-hoc action execution can '
                                          'be deleted.')
            if row.state not in states.COMPLETED:
                raise exc.NotAllowedError('Only completed action execution '
                                          'can be deleted.')
            session.delete(row)

        self.services.store.run_in_transaction(tx)


def _given(value):
    return None if value is wtypes.Unset else value

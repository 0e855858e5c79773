"""Sub-workflow executions: /v2/executions/<id>/executions,
/v2/tasks/<id>/executions and /v2/tasks/<id>/workflow_executions.

Imported by both executions.py and tasks.py, so it imports neither.
"""
from __future__ import annotations

import sqlalchemy as sa
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.services import (ApiServices, base_url, request_context,
                                  truthy)
from mistral.db import models
from mistral.services import execution_tree

text = wtypes.text
EXECUTION_JSON_COLUMNS = frozenset({'tags', 'params', 'input', 'output'})


def bool_param(name: str, value) -> bool:
    if value in (None, ''):
        return False
    if str(value).lower() not in ('true', 'false', '1', '0', 'yes', 'no'):
        raise exc.InputError(f'Invalid value for {name}: {value!r}; '
                             'expected true or false')
    return truthy(value)


def depth_param(value) -> int:
    if value in (None, ''):
        return -1
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exc.InputError(f'Invalid value for max_depth: {value!r}; '
                             'expected an integer')


def own_execution(session, execution_id: str) -> models.WorkflowExecution:
    row = session.get(models.WorkflowExecution, execution_id)
    if row is None or row.project_id != request_context().project_id:
        raise exc.NotFoundError('WorkflowExecution', id=execution_id)
    return row


def own_task(session, task_id: str) -> models.TaskExecution:
    row = session.get(models.TaskExecution, task_id)
    if row is None or row.project_id != request_context().project_id:
        raise exc.NotFoundError('TaskExecution', id=task_id)
    return row


class SubExecutionsController(rest.RestController):
    """GET <parent>/<id>/executions: the parent and all nested executions
    (for an execution) or the nested executions a task started, as one
    flat list, depth first."""

    def __init__(self, services: ApiServices, of_task: bool) -> None:
        self.services = services
        self.of_task = of_task

    @errors.expose(resources.Executions, text, text, text, text)
    def get_all(self, parent_id, errors_only=None, max_depth=None,
                include_output=None):
        only_errors = bool_param('errors_only', errors_only)
        depth = depth_param(max_depth)
        with_output = bool_param('include_output', include_output)
        with self.services.store.read() as session:
            if self.of_task:
                rows = execution_tree.task_sub_executions(
                    session, own_task(session, parent_id), only_errors,
                    depth)
            else:
                rows = execution_tree.sub_executions(
                    session, own_execution(session, parent_id), only_errors,
                    depth)
            return resources.Executions(executions=[
                resources.Execution.from_row(r, include_output=with_output)
                for r in rows])


class TaskWorkflowExecutionsController(rest.RestController):
    """GET /v2/tasks/<id>/workflow_executions: the executions a task
    started, with the list parameters of /v2/executions."""

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.Executions, text, text, text, text, text, text,
                   text, text, text, text, text, text, text, text, text,
                   text, text, text, text)
    def get_all(self, task_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None,
                workflow_name=None, workflow_id=None, description=None,
                tags=None, params=None, root_execution_id=None, state=None,
                state_info=None, input=None, output=None, created_at=None,
                updated_at=None, include_output=None):
        query_params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'task_execution_id': task_execution_id,
             'workflow_name': workflow_name, 'workflow_id': workflow_id,
             'description': description, 'tags': tags, 'params': params,
             'root_execution_id': root_execution_id, 'state': state,
             'state_info': state_info, 'input': input, 'output': output,
             'created_at': created_at, 'updated_at': updated_at},
            self.services.max_limit, resources.Execution.field_names())
        with_output = bool_param('include_output', include_output) or \
            'output' in query_params.fields
        model = models.WorkflowExecution
        query = sa.select(model).where(
            model.project_id == request_context().project_id)
        with self.services.store.read() as session:
            own_task(session, task_execution_id)
            rows = listing.apply(session, query, model, query_params,
                                 json_columns=EXECUTION_JSON_COLUMNS)
            return resources.Executions(
                executions=[resources.Execution.from_row(
                    r, query_params.fields, include_output=with_output)
                    for r in rows],
                next=listing.next_link(base_url(), 'executions', rows,
                                       query_params,
                                       {'include_output': include_output}))

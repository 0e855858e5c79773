"""/v2/tasks"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.controllers.v2.action_executions import actions_page
from mistral.api.controllers.v2.sub_executions import (
    SubExecutionsController, TaskWorkflowExecutionsController)
from mistral.api.services import ApiServices, base_url, request_context
from mistral.db import models
from mistral.workflow import states
from mistral.engine.lookups import task_results

text = wtypes.text
JSON_COLUMNS = frozenset({'tags', 'published', 'runtime_context'})


def tasks_page(services: ApiServices, marker, limit, sort_keys, sort_dirs,
               fields, filters: dict) -> resources.Tasks:
    params = listing.parse_list_params(
        marker, limit, sort_keys, sort_dirs, fields, filters,
        services.max_limit, resources.Task.field_names())
    model = models.TaskExecution
    query = sa.select(model).options(
        orm.defer(model.spec), orm.defer(model.in_context),
        orm.defer(model.action_spec)).where(
        model.project_id == request_context().project_id)
    with services.store.read() as session:
        rows = listing.apply(session, query, model, params,
                             json_columns=JSON_COLUMNS)
        results = task_results(session, rows)
        return resources.Tasks(
            tasks=[resources.Task.from_row(r, results.get(r.id),
                                           params.fields) for r in rows],
            next=listing.next_link(base_url(), 'tasks', rows, params))


def get_task(session, task_id: str) -> models.TaskExecution:
    row = session.get(models.TaskExecution, task_id)
    if row is None or row.project_id != request_context().project_id:
        raise exc.NotFoundError('TaskExecution', id=task_id)
    return row


class TaskActionExecutionsController(rest.RestController):
    """/v2/tasks/<id>/action_executions"""

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.ActionExecution, text, text, text)
    def get_one(self, task_execution_id, action_ex_id, fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.ActionExecution.field_names())
        with self.services.store.read() as session:
            get_task(session, task_execution_id)
            row = session.get(models.ActionExecution, action_ex_id)
            if row is None or row.task_execution_id != task_execution_id:
                raise exc.NotFoundError('ActionExecution', id=action_ex_id)
            return resources.ActionExecution.from_row(row, params.fields)

    @errors.expose(resources.ActionExecutions, text, text, text, text, text,
              text, text, text, text, text)
    def get_all(self, task_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None, name=None,
                state=None, accepted=None, include_output=None):
        with self.services.store.read() as session:
            get_task(session, task_execution_id)
        return actions_page(self.services, marker, limit, sort_keys,
                            sort_dirs, fields, include_output,
                            {'task_execution_id': task_execution_id,
                             'name': name, 'state': state,
                             'accepted': accepted})


class TasksController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services
        self.action_executions = TaskActionExecutionsController(services)
        self.workflow_executions = TaskWorkflowExecutionsController(services)
        self.executions = SubExecutionsController(services, of_task=True)

    @errors.expose(resources.Task, text, text)
    def get_one(self, task_id, fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.Task.field_names())
        with self.services.store.read() as session:
            row = get_task(session, task_id)
            result = task_results(session, [row]).get(row.id)
            return resources.Task.from_row(row, result, params.fields)

    @errors.expose(resources.Tasks, text, text, text, text, text, text, text,
              text, text, text, text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                workflow_id=None, workflow_execution_id=None, tags=None,
                state=None, state_info=None, published=None, processed=None,
                created_at=None, updated_at=None):
        return tasks_page(self.services, marker, limit, sort_keys,
                          sort_dirs, fields,
                          {'name': name, 'workflow_name': workflow_name,
                           'workflow_id': workflow_id,
                           'workflow_execution_id': workflow_execution_id,
                           'tags': tags, 'state': state,
                           'state_info': state_info,
                           'published': published, 'processed': processed,
                           'created_at': created_at,
                           'updated_at': updated_at})

    @errors.expose(resources.Task, text, body=resources.TaskUpdate)
    def put(self, task_id, body):
        state = _unset(body.state)
        if state not in (states.RUNNING, states.SKIPPED):
            raise exc.InputError('Invalid task state. Only updating task to '
                                 'RUNNING or SKIPPED is supported.')
        with self.services.store.read() as session:
            task_ex = get_task(session, task_id)
        if _unset(body.name) and body.name != task_ex.name:
            raise exc.InputError('Task name does not match.')
        if _unset(body.workflow_name) and \
                body.workflow_name != task_ex.workflow_name:
            raise exc.InputError('Workflow name does not match.')
        if task_ex.state != states.ERROR:
            raise exc.InputError('The current task execution must be in '
                                 'ERROR for rerun.' if state == states.RUNNING
                                 else 'Only tasks in ERROR state can be '
                                 'skipped.')
        if state == states.RUNNING:
            reset = _unset(body.reset)
            if reset is None:
                raise exc.InputError('Reset field is mandatory to rerun '
                                     'task.')
            env = _unset(body.env)
            if env is not None and not isinstance(env, dict):
                raise exc.InputError("'env' must be a JSON object")
            self.services.engine.rerun_task(task_id, reset, env)
        else:
            self.services.engine.skip_task(task_id)
        with self.services.store.read() as session:
            row = get_task(session, task_id)
            return resources.Task.from_row(
                row, task_results(session, [row]).get(row.id))


def _unset(value):
    return None if value is wtypes.Unset else value

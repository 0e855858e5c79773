"""/v2/tasks"""
from __future__ import annotations

import sqlalchemy as sa
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.controllers.v2.action_executions import actions_page
from mistral.api.services import ApiServices, base_url, request_context
from mistral.db import models
from mistral.engine.lookups import task_results

text = wtypes.text
JSON_COLUMNS = frozenset({'tags', 'published', 'runtime_context'})


def tasks_page(services: ApiServices, marker, limit, sort_keys, sort_dirs,
               fields, filters: dict) -> resources.Tasks:
    params = listing.parse_list_params(
        marker, limit, sort_keys, sort_dirs, fields, filters,
        services.max_limit, resources.Task.field_names())
    model = models.TaskExecution
    query = sa.select(model).where(
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

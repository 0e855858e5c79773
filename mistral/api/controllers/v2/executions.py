"""/v2/executions"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm
from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors, listing
from mistral.api.controllers.v2 import resources
from mistral.api.controllers.v2.execution_report import \
    ExecutionReportController
from mistral.api.controllers.v2.sub_executions import (
    SubExecutionsController, bool_param)
from mistral.api.controllers.v2.tasks import tasks_page
from mistral.api.services import (ApiServices, base_url, request_context,
                                  truthy)
from mistral.db import models
from mistral.services import workflows as wf_service
from mistral.workflow import states

text = wtypes.text
JSON_COLUMNS = frozenset({'tags', 'params', 'input', 'output'})


def _get_execution(session, execution_id: str,
                   project_id: str) -> models.WorkflowExecution:
    row = session.get(models.WorkflowExecution, execution_id)
    if row is None or row.project_id != project_id:
        raise exc.NotFoundError('WorkflowExecution', id=execution_id)
    return row


class ExecutionTasksController(rest.RestController):
    """/v2/executions/<id>/tasks"""

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.Tasks, text, text, text, text, text, text, text,
              text, text, text, text, text, text)
    def get_all(self, execution_id, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                workflow_id=None, tags=None, state=None, state_info=None,
                processed=None):
        with self.services.store.read() as session:
            _get_execution(session, execution_id,
                           request_context().project_id)
        return tasks_page(self.services, marker, limit, sort_keys,
                          sort_dirs, fields,
                          {'workflow_execution_id': execution_id,
                           'name': name, 'workflow_name': workflow_name,
                           'workflow_id': workflow_id, 'tags': tags,
                           'state': state, 'state_info': state_info,
                           'processed': processed})


class ExecutionsController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services
        self.tasks = ExecutionTasksController(services)
        self.executions = SubExecutionsController(services, of_task=False)
        self.report = ExecutionReportController(services)

    @errors.expose(resources.Execution, text, text)
    def get_one(self, execution_id, fields=''):
        params = listing.parse_list_params(
            None, None, None, None, fields, {}, 1,
            resources.Execution.field_names())
        with self.services.store.read() as session:
            row = _get_execution(session, execution_id,
                                 request_context().project_id)
            return resources.Execution.from_row(row, params.fields,
                                                published_global=True)

    @errors.expose(resources.Executions, text, text, text, text, text, text,
              text, text, text, text, text, text, text, text, text, text,
              text, text, text, text, text, text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, workflow_name=None,
                workflow_id=None, description=None, tags=None, params=None,
                task_execution_id=None, root_execution_id=None, state=None,
                state_info=None, input=None, output=None, created_at=None,
                updated_at=None, project_id=None, all_projects=None,
                include_output=None, nulls=None):
        query_params = listing.parse_list_params(
            marker, limit, sort_keys, sort_dirs, fields,
            {'workflow_name': workflow_name, 'workflow_id': workflow_id,
             'description': description, 'tags': tags, 'params': params,
             'task_execution_id': task_execution_id,
             'root_execution_id': root_execution_id, 'state': state,
             'state_info': state_info, 'input': input, 'output': output,
             'created_at': created_at, 'updated_at': updated_at,
             'project_id': project_id},
            self.services.max_limit, resources.Execution.field_names())
        model = models.WorkflowExecution
        with_output = bool_param('include_output', include_output) or \
            'output' in query_params.fields
        # Lists never show the spec or the contexts: do not load them.
        heavy = [model.spec, model.context, model.runtime_context]
        if not with_output:
            heavy.append(model.output)
        query = sa.select(model).options(*[orm.defer(c) for c in heavy])
        if not truthy(all_projects):
            query = query.where(model.project_id ==
                                request_context().project_id)
        for column in (c.strip() for c in (nulls or '').split(',')):
            if column:
                if column not in resources.Execution.field_names() or \
                        not hasattr(model, column):
                    raise exc.InputError(f'Invalid field in nulls: {column}')
                query = query.where(getattr(model, column).is_(None))
        with self.services.store.read() as session:
            rows = listing.apply(session, query, model, query_params,
                                 json_columns=JSON_COLUMNS)
            return resources.Executions(
                executions=[resources.Execution.from_row(
                    r, query_params.fields, include_output=with_output)
                    for r in rows],
                next=listing.next_link(
                    base_url(), 'executions', rows, query_params,
                    {'all_projects': all_projects,
                     'include_output': include_output, 'nulls': nulls}))

    @errors.expose(resources.Execution, body=resources.ExecutionCreate,
              status_code=201)
    def post(self, body):
        ctx = request_context()
        wf_input = _object(body.input, 'input')
        params = _object(body.params, 'params')
        description = _text(body.description)
        execution_id = _text(body.id) or models.new_id()
        with self.services.store.read() as session:
            existing = session.get(models.WorkflowExecution, execution_id)
            if existing is not None:
                # Idempotent create: the client retried with the same id.
                return resources.Execution.from_row(existing)
            source_id = _text(body.source_execution_id)
            if source_id:
                source = _get_execution(session, source_id, ctx.project_id)
                wf_input = {**(source.input or {}), **wf_input}
                params = {**(source.params or {}), **params}
                description = ((description + ' ') if description else '') \
                    + f"Based on the execution '{source_id}'"
                workflow_ref = source.workflow_id
            else:
                workflow_ref = _text(body.workflow_id) or \
                    _text(body.workflow_name)
            if not workflow_ref:
                raise exc.InputError(
                    'Workflow ID or workflow name must be provided. Workflow'
                    ' ID is recommended.')
            namespace = _text(body.workflow_namespace) or \
                params.get('namespace') or ''
            definition = wf_service.find_workflow(
                session, workflow_ref, namespace, ctx.project_id)
        result = self.services.engine.start_workflow(
            definition.id, execution_id, wf_input, params, description,
            ctx.project_id, source_execution_id=source_id,
            # Only an authenticated caller has a context worth storing.
            security=ctx.to_wire() if ctx.auth_token else None)
        return resources.Execution.from_row(
            models.execution_from_wire(result['execution']))

    @errors.expose(resources.Execution, text, body=resources.ExecutionUpdate)
    def put(self, execution_id, body):
        ctx = request_context()
        state = _text(body.state)
        description = _text(body.description)
        params = _object(body.params, 'params') if body.params not in (
            None, wtypes.Unset) else None
        env = (params or {}).get('env')
        if state and description:
            raise exc.InputError('Description can not be changed together '
                                 'with the state.')
        if not state and description is None and env is None:
            raise exc.InputError('The property state, description or env is'
                                 ' required to update an execution.')
        if env is not None and state and state != states.RUNNING:
            raise exc.InputError('The environment can only be changed '
                                 'together with state RUNNING (resume).')
        with self.services.store.read() as session:
            row = _get_execution(session, execution_id, ctx.project_id)
            current = row.state
        if description is not None and not state:
            def set_description(session):
                _get_execution(session, execution_id,
                               ctx.project_id).description = description
            self.services.store.run_in_transaction(set_description)
        if env is not None and not state:
            if current == states.RUNNING:
                raise exc.InputError('The environment of a running '
                                     'execution can only change on resume.')
            def set_env(session):
                wf_ex = _get_execution(session, execution_id,
                                       ctx.project_id)
                merged = dict(wf_ex.params or {})
                merged['env'] = {**(merged.get('env') or {}), **env}
                wf_ex.params = merged
            self.services.store.run_in_transaction(set_env)
        if state:
            engine = self.services.engine
            if state == states.PAUSED:
                engine.pause_workflow(execution_id)
            elif state == states.RUNNING:
                engine.resume_workflow(execution_id, env=env)
            elif state in (states.SUCCESS, states.ERROR, states.CANCELLED):
                engine.stop_workflow(execution_id, state,
                                     _text(body.state_info))
            else:
                raise exc.InputError(
                    f'Cannot change state to {state}. Allowed states are: '
                    "'PAUSED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED'.")
        with self.services.store.read() as session:
            return resources.Execution.from_row(
                _get_execution(session, execution_id, ctx.project_id))

    @errors.expose(None, text, text, status_code=204)
    def delete(self, execution_id, force=None):
        ctx = request_context()

        def tx(session):
            row = _get_execution(session, execution_id, ctx.project_id)
            if row.state not in states.COMPLETED and not truthy(force):
                raise exc.InputError(
                    'Only completed executions can be deleted. Use --force '
                    'to override this.')
            session.execute(sa.delete(models.WorkflowExecution).where(
                sa.or_(models.WorkflowExecution.id == row.id,
                       models.WorkflowExecution.root_execution_id ==
                       row.id)))

        self.services.store.run_in_transaction(tx)


def _text(value) -> str | None:
    return None if value in (None, wtypes.Unset) else value


def _object(value, name: str) -> dict:
    if value in (None, wtypes.Unset, ''):
        return {}
    if not isinstance(value, dict):
        raise exc.InputError(f"'{name}' must be a JSON object, got "
                             f'{type(value).__name__}')
    return value

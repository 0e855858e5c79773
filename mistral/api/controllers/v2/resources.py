"""The resources of REST API v2 as WSME types, and their builders."""
from __future__ import annotations

import json
from typing import Any, Iterable

from wsme import types as wtypes

from mistral.api.types import jsontype, timestamp
from mistral.db import models
from mistral.workflow import data_flow

text = wtypes.text


class Resource(wtypes.Base):
    """Base: build from a model row, optionally only some fields."""

    # model attribute -> how to turn it into the wire value
    _converters: dict[str, Any] = {}

    @classmethod
    def field_names(cls) -> list[str]:
        return [a.name for a in wtypes.list_attributes(cls)]

    @classmethod
    def from_values(cls, values: dict, fields: Iterable[str] | None = None):
        wanted = set(fields) | {'id'} if fields else None
        obj = cls()
        for name in cls.field_names():
            if wanted is not None and name not in wanted:
                continue
            if name in values:
                setattr(obj, name, values[name])
        return obj


class ResourceList(wtypes.Base):
    """A page of a list; `next` (the URL of the next page) is left out of
    the JSON when there is no next page, as upstream does."""

    def __init__(self, **kwargs) -> None:
        if kwargs.get('next') is None:
            kwargs.pop('next', None)
        super().__init__(**kwargs)


def _common(row) -> dict:
    return {
        'id': row.id,
        'created_at': timestamp(row.created_at),
        'updated_at': timestamp(row.updated_at),
        'project_id': getattr(row, 'project_id', None),
    }


class Workflow(Resource):
    id = text
    name = text
    namespace = text
    input = text
    interface = jsontype
    definition = text
    checksum = text
    tags = [text]
    scope = text
    project_id = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.WorkflowDefinition, fields=None):
        spec_input = (row.spec or {}).get('input') or []
        output = (row.spec or {}).get('output') or {}
        return cls.from_values({
            **_common(row),
            'name': row.name,
            'namespace': row.namespace,
            'input': input_signature(spec_input),
            'interface': {'input': spec_input,
                          'output': list(output) if isinstance(output, dict)
                          else []},
            'definition': row.definition,
            'checksum': row.checksum,
            'tags': row.tags or [],
            'scope': row.scope,
        }, fields)


def input_signature(spec_input: list) -> str:
    """'a, b=1, c="x"' from a workflow's input list, as upstream shows it."""
    parts = []
    for item in spec_input:
        if isinstance(item, dict):
            (name, default), = item.items()
            parts.append(f'{name}={json.dumps(default)}')
        else:
            parts.append(str(item))
    return ', '.join(parts)


class Workflows(ResourceList):
    workflows = [Workflow]
    next = text


class Workbook(Resource):
    id = text
    name = text
    namespace = text
    definition = text
    tags = [text]
    scope = text
    project_id = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.Workbook, fields=None):
        return cls.from_values({
            **_common(row), 'name': row.name, 'namespace': row.namespace,
            'definition': row.definition, 'tags': row.tags or [],
            'scope': row.scope}, fields)


class Workbooks(ResourceList):
    workbooks = [Workbook]
    next = text


class Execution(Resource):
    id = text
    workflow_id = text
    workflow_name = text
    workflow_namespace = text
    description = text
    tags = [text]
    params = jsontype
    task_execution_id = text
    root_execution_id = text
    source_execution_id = text
    state = text
    state_info = text
    input = jsontype
    output = jsontype
    published_global = jsontype
    created_at = text
    updated_at = text
    project_id = text

    @classmethod
    def from_row(cls, row: models.WorkflowExecution, fields=None,
                 include_output: bool = True, published_global=False):
        values = {
            **_common(row),
            'workflow_id': row.workflow_id,
            'workflow_name': row.workflow_name,
            'workflow_namespace': row.workflow_namespace,
            'description': row.description,
            'tags': row.tags or [],
            'params': row.params or {},
            'task_execution_id': row.task_execution_id,
            'root_execution_id': row.root_execution_id,
            'source_execution_id': row.source_execution_id,
            'state': row.state,
            'state_info': row.state_info,
            'input': row.input or {},
        }
        if include_output:
            values['output'] = row.output or {}
        if published_global:
            values['published_global'] = data_flow.strip_internal(
                row.context or {})
        return cls.from_values(values, fields)


class Executions(ResourceList):
    executions = [Execution]
    next = text


class Task(Resource):
    id = text
    name = text
    type = text
    workflow_name = text
    workflow_namespace = text
    workflow_id = text
    workflow_execution_id = text
    tags = [text]
    state = text
    state_info = text
    result = text
    published = jsontype
    published_global = jsontype
    processed = bool
    runtime_context = jsontype
    reset = bool
    env = jsontype
    created_at = text
    updated_at = text
    started_at = text
    finished_at = text
    project_id = text

    @classmethod
    def from_row(cls, row: models.TaskExecution, result: Any, fields=None):
        return cls.from_values({
            **_common(row),
            'name': row.name,
            'type': row.type,
            'workflow_name': row.workflow_name,
            'workflow_namespace': row.workflow_namespace,
            'workflow_id': row.workflow_id,
            'workflow_execution_id': row.workflow_execution_id,
            'tags': row.tags or [],
            'state': row.state,
            'state_info': row.state_info,
            'result': json.dumps(result),
            'published': row.published or {},
            'processed': bool(row.processed),
            'runtime_context': row.runtime_context or {},
            'started_at': timestamp(row.started_at),
            'finished_at': timestamp(row.finished_at),
        }, fields)


class Tasks(ResourceList):
    tasks = [Task]
    next = text


class ActionExecution(Resource):
    id = text
    name = text
    description = text
    workflow_name = text
    workflow_namespace = text
    task_name = text
    task_execution_id = text
    state = text
    state_info = text
    tags = [text]
    accepted = bool
    input = jsontype
    output = jsontype
    params = jsontype
    created_at = text
    updated_at = text
    project_id = text

    @classmethod
    def from_row(cls, row: models.ActionExecution, fields=None,
                 include_output: bool = True):
        values = {
            **_common(row),
            'name': row.name,
            'description': row.description,
            'workflow_name': row.workflow_name,
            'workflow_namespace': row.workflow_namespace,
            'task_name': row.task_name,
            'task_execution_id': row.task_execution_id,
            'state': row.state,
            'state_info': row.state_info,
            'tags': row.tags or [],
            'accepted': bool(row.accepted),
            'input': row.input or {},
            'params': row.params or {},
        }
        if include_output:
            values['output'] = row.output or {}
        return cls.from_values(values, fields)


class ActionExecutionCreate(wtypes.Base):
    """POST /v2/action_executions body."""
    name = text
    input = jsontype
    description = text
    workflow_namespace = text
    params = jsontype


class ActionExecutionUpdate(wtypes.Base):
    """PUT /v2/action_executions/<id> body."""
    id = text
    state = text
    output = jsontype


class ActionExecutions(ResourceList):
    action_executions = [ActionExecution]
    next = text


class Action(Resource):
    id = text
    name = text
    namespace = text
    is_system = bool
    input = text
    description = text
    tags = [text]
    definition = text
    scope = text
    project_id = text
    created_at = text
    updated_at = text


class Actions(ResourceList):
    actions = [Action]
    next = text


class ExecutionCreate(wtypes.Base):
    """POST /v2/executions body."""
    id = text
    workflow_id = text
    workflow_name = text
    workflow_namespace = text
    description = text
    input = jsontype
    params = jsontype
    source_execution_id = text


class TaskUpdate(wtypes.Base):
    """PUT /v2/tasks/<id> body: rerun or skip."""
    id = text
    name = text
    workflow_name = text
    state = text
    reset = bool
    env = jsontype


class ExecutionUpdate(wtypes.Base):
    """PUT /v2/executions/<id> body."""
    id = text
    state = text
    state_info = text
    description = text
    params = jsontype



class Environment(Resource):
    id = text
    name = text
    description = text
    variables = jsontype
    scope = text
    project_id = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.Environment, fields=None):
        return cls.from_values({
            **_common(row), 'name': row.name,
            'description': row.description,
            'variables': row.variables or {}, 'scope': row.scope}, fields)


class Environments(ResourceList):
    environments = [Environment]
    next = text


class ActionExecutionReportEntry(Resource):
    id = text
    name = text
    created_at = text
    updated_at = text
    state = text
    state_info = text
    accepted = bool
    last_heartbeat = text

    @classmethod
    def from_row(cls, row: models.ActionExecution):
        return cls.from_values({
            **_common(row), 'name': row.name, 'state': row.state,
            'state_info': row.state_info, 'accepted': bool(row.accepted),
            'last_heartbeat': timestamp(row.last_heartbeat)})


class WorkflowExecutionReportEntry(Resource):
    id = text
    name = text
    created_at = text
    updated_at = text
    state = text
    state_info = text
    # task_executions is added below: the two entry types nest each other.


class TaskExecutionReportEntry(Resource):
    id = text
    name = text
    created_at = text
    updated_at = text
    state = text
    state_info = text
    action_executions = [ActionExecutionReportEntry]
    workflow_executions = [WorkflowExecutionReportEntry]
    retry_count = int


WorkflowExecutionReportEntry.task_executions = [TaskExecutionReportEntry]
wtypes.registry.reregister(WorkflowExecutionReportEntry)


def _report_common(row) -> dict:
    return {**_common(row), 'name': row.name, 'state': row.state,
            'state_info': row.state_info}


def workflow_report_entry(node) -> WorkflowExecutionReportEntry:
    """From a `mistral.services.execution_tree.WorkflowNode`."""
    entry = WorkflowExecutionReportEntry.from_values(
        _report_common(node.execution))
    if node.tasks is not None:
        entry.task_executions = [
            TaskExecutionReportEntry.from_values({
                **_report_common(t.task),
                'action_executions': [ActionExecutionReportEntry.from_row(a)
                                      for a in t.actions],
                'workflow_executions': [workflow_report_entry(w)
                                        for w in t.workflows],
                'retry_count': t.retry_count,
            }) for t in node.tasks]
    return entry


class ExecutionReportStatistics(wtypes.Base):
    total_tasks_count = int
    running_tasks_count = int
    success_tasks_count = int
    error_tasks_count = int
    idle_tasks_count = int
    paused_tasks_count = int
    estimated_time = int


class ExecutionReport(wtypes.Base):
    statistics = ExecutionReportStatistics
    root_workflow_execution = WorkflowExecutionReportEntry


class Maintenance(wtypes.Base):
    """GET and PUT /v2/maintenance."""
    status = text


class CronTrigger(Resource):
    id = text
    name = text
    workflow_name = text
    workflow_id = text
    workflow_input = jsontype
    workflow_params = jsontype
    project_id = text
    scope = text
    pattern = text
    remaining_executions = int
    first_execution_time = text
    next_execution_time = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.CronTrigger, fields=None):
        return cls.from_values({
            **_common(row), 'name': row.name,
            'workflow_name': row.workflow_name,
            'workflow_id': row.workflow_id,
            'workflow_input': row.workflow_input or {},
            'workflow_params': row.workflow_params or {},
            'scope': row.scope, 'pattern': row.pattern,
            'remaining_executions': row.remaining_executions,
            'first_execution_time': timestamp(row.first_execution_time),
            'next_execution_time': timestamp(row.next_execution_time),
        }, fields)


class CronTriggers(ResourceList):
    cron_triggers = [CronTrigger]
    next = text


class Member(Resource):
    """A project a workflow is shared with (/v2/workflows/<id>/members)."""
    id = text
    resource_id = text
    resource_type = text
    project_id = text
    member_id = text
    status = text
    created_at = text
    updated_at = text

    @classmethod
    def from_row(cls, row: models.ResourceMember, fields=None):
        return cls.from_values({
            **_common(row), 'resource_id': row.resource_id,
            'resource_type': row.resource_type, 'member_id': row.member_id,
            'status': row.status}, fields)


class MemberCreate(wtypes.Base):
    """POST /v2/workflows/<id>/members body."""
    member_id = text


class MemberUpdate(wtypes.Base):
    """PUT /v2/workflows/<id>/members/<member_id> body."""
    status = wtypes.Enum(str, 'pending', 'accepted', 'rejected')


class Members(wtypes.Base):
    members = [Member]

"""Starting the work of a task: one action, or one sub-workflow, per unit
(a plain task has one unit; a with-items task one per item)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from mistral import exceptions as exc
from mistral import expressions
from mistral.actions import registry
from mistral.db import models
from mistral.engine import launch
from mistral.lang.specs import TaskSpec
from mistral.services import workflows as wf_service
from mistral.workflow import states

if TYPE_CHECKING:
    from mistral.engine.workflow_run import WorkflowRun


def _name(value: str, data: dict) -> str:
    if expressions.has_expressions(value):
        return str(expressions.evaluate(value, data))
    return value


def _input(run: 'WorkflowRun', spec: TaskSpec, data: dict) -> dict:
    params = expressions.evaluate_recursively(spec.input, data)
    if not isinstance(params, dict):
        raise exc.InputError(
            f"Task '{spec.name}' input must be a dictionary, got "
            f'{type(params).__name__}')
    return params


def start_unit(run: 'WorkflowRun', task_ex: models.TaskExecution,
               spec: TaskSpec, data: dict, index: int | None) -> None:
    """Start one action or sub-workflow for `task_ex`; raises MistralError
    when the unit can not start (the caller fails the task)."""
    if spec.workflow:
        start_subworkflow(run, task_ex, spec, data, index)
    else:
        start_action(run, task_ex, spec, data, index)


def start_action(run: 'WorkflowRun', task_ex: models.TaskExecution,
                 spec: TaskSpec, data: dict, index: int | None) -> None:
    name = _name(spec.action, data)
    action = registry.get(name)
    params = _input(run, spec, data)
    action.check_input(params)
    run.check_size('ActionExecution', 'input', params)
    target = spec.policies.get('target')
    if target is not None:
        target = str(expressions.evaluate(target, data))
    wf_ex = run.wf_ex
    action_ex = models.ActionExecution(
        id=models.new_id(),
        name=name,
        task_execution_id=task_ex.id,
        workflow_execution_id=wf_ex.id,
        task_name=task_ex.name,
        workflow_name=wf_ex.workflow_name,
        workflow_namespace=wf_ex.workflow_namespace,
        workflow_id=wf_ex.workflow_id,
        project_id=wf_ex.project_id,
        state=states.RUNNING,
        input=params,
        params={'target': target} if target else {},
        runtime_context={'index': index} if index is not None else {},
        is_sync=True,
        accepted=False,
        spec={'name': name},
    )
    run.session.add(action_ex)
    run.outbox.add(run.settings.executor_topic, 'run_action', {
        'action_ex_id': action_ex.id,
        'action_name': name,
        'params': params,
        'execution_context': {
            'workflow_execution_id': wf_ex.id,
            'task_execution_id': task_ex.id,
            'action_execution_id': action_ex.id,
            'workflow_name': wf_ex.workflow_name,
            'task_name': task_ex.name,
            'project_id': wf_ex.project_id,
            'with_items_index': index,
        },
    }, server=target)


def start_subworkflow(run: 'WorkflowRun', task_ex: models.TaskExecution,
                      spec: TaskSpec, data: dict, index: int | None) -> None:
    """Create and start the child execution in this same transaction."""
    from mistral.engine.workflow_run import WorkflowRun

    parent = run.wf_ex
    name = _name(spec.workflow, data)
    namespace = parent.workflow_namespace or ''
    definition = wf_service.find_workflow(run.session, name, namespace,
                                          parent.project_id)
    params = {'env': run.env,
              'evaluate_env': (parent.params or {}).get('evaluate_env', True),
              'namespace': namespace}
    if index is not None:
        params['index'] = index
    child, child_spec = launch.new_execution(
        run.session, definition, _input(run, spec, data), params,
        f'Sub-workflow of task {task_ex.name}', parent.project_id,
        parent_task=task_ex,
        root_execution_id=parent.root_execution_id or parent.id)
    child_run = WorkflowRun(run.session, child, child_spec, run.settings,
                            run.outbox)
    child_run.start()

"""Starting the work of a task: one action, or one sub-workflow, per unit
(a plain task has one unit; a with-items task one per item)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from mistral import exceptions as exc
from mistral import expressions
from mistral.db import models
from mistral.actions import registry
from mistral.engine import adhoc, heartbeats, launch, tx_state
from mistral.executor import executor
from mistral.lang.specs import TaskSpec
from mistral.services import workflows as wf_service
from mistral.workflow import states

if TYPE_CHECKING:
    from mistral.engine.workflow_run import WorkflowRun


def workbook_prefix(workflow_name: str | None) -> str | None:
    """'wb' for a workflow 'wb.flow' defined in workbook 'wb': short
    names used inside it resolve to its siblings first."""
    if workflow_name and '.' in workflow_name:
        return workflow_name.rsplit('.', 1)[0]
    return None


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
    params = _input(run, spec, data)
    run.check_size('ActionExecution', 'input', params)
    resolved = adhoc.resolve(run.session, name, params,
                             run.wf_ex.workflow_namespace or '',
                             run.wf_ex.project_id, run.env,
                             prefix=workbook_prefix(run.wf_ex.workflow_name))
    target = spec.policies.get('target')
    if target is not None:
        target = str(expressions.evaluate(target, data))
        if run.settings.executor_alive_s and not heartbeats.executor_alive(
                run.session, target, run.settings.executor_alive_s):
            raise exc.InputError(
                f"No executor with host '{target}' is running [task="
                f'{task_ex.name}, target={target}]')
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
        # Asynchronous actions wait for PUT /v2/action_executions/<id>;
        # heartbeats only watch synchronous ones.
        is_sync=executor.is_sync_action(resolved.system_name,
                                        resolved.source),
        accepted=False,
        spec={'name': name, 'base': resolved.system_name,
              'output_transforms': resolved.output_transforms},
    )
    run.session.add(action_ex)
    execution_context = {
        'workflow_execution_id': wf_ex.id,
        'task_execution_id': task_ex.id,
        'action_execution_id': action_ex.id,
        'workflow_name': wf_ex.workflow_name,
        'task_name': task_ex.name,
        'project_id': wf_ex.project_id,
        'with_items_index': index,
    }
    security = (wf_ex.runtime_context or {}).get(launch.SECURITY_KEY)
    if security:
        # The authenticated caller, for the action's security context.
        execution_context['security'] = security
    if resolved.source is not None:
        # A dynamic action: its code travels with it to the executor.
        execution_context['action_source'] = resolved.source
    if target is None and run.settings.inline_pure_actions and \
            resolved.source is None and \
            registry.get(resolved.system_name).inline_with(resolved.params):
        # Nothing to gain from a round trip to an executor.
        run.inline_results.append((action_ex, executor.run_action(
            resolved.system_name, resolved.params, execution_context),
            task_ex))
        return
    run.outbox.add(run.settings.executor_topic, 'run_action', {
        'action_ex_id': action_ex.id,
        'action_name': resolved.system_name,
        'params': resolved.params,
        'execution_context': execution_context,
        'timeout': action_timeout(task_ex),
    }, server=target)


# The task's own timeout fires first and gives the task its upstream
# message; the executor stops the action this much later.
ACTION_TIMEOUT_GRACE_S = 1.0


def action_timeout(task_ex: models.TaskExecution) -> float | None:
    """Seconds the action may run: until its task's timeout, if any."""
    deadline = (task_ex.runtime_context or {}).get('deadline')
    if deadline is None:
        return None
    return max(deadline - time.time(), 0.0) + ACTION_TIMEOUT_GRACE_S


def _child_definition(run: 'WorkflowRun', name: str, namespace: str,
                      prefix: str | None) -> models.WorkflowDefinition:
    project_id = run.wf_ex.project_id
    if prefix:
        try:
            return wf_service.find_workflow(
                run.session, f'{prefix}.{name}', namespace, project_id)
        except exc.NotFoundError:
            pass
    return wf_service.find_workflow(run.session, name, namespace, project_id)


def start_subworkflow(run: 'WorkflowRun', task_ex: models.TaskExecution,
                      spec: TaskSpec, data: dict, index: int | None) -> None:
    """Create and start the child execution in this same transaction."""
    from mistral.engine.workflow_run import WorkflowRun

    parent = run.wf_ex
    name = _name(spec.workflow, data)
    namespace = parent.workflow_namespace or ''
    prefix = workbook_prefix(parent.workflow_name)
    definition = tx_state.cached(
        run.session, ('workflow', prefix, name, namespace, parent.project_id),
        lambda: _child_definition(run, name, namespace, prefix))
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
    child_run.parent_run = run
    child_run.start()

"""Workflow lifecycle inside one transaction: pause, resume (with the
pause backlog), stop, task rerun and skip, and propagation of these between
parent and sub-workflow executions."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from mistral import exceptions as exc
from mistral.db import models
from mistral.workflow import commands, states

LOG = logging.getLogger(__name__)


class LifecycleMixin:
    """Part of `WorkflowRun`; uses its session, execution, spec, outbox
    and queue."""

    def pause(self) -> None:
        self._set_state(states.PAUSED)

    def resume(self) -> None:
        if self.wf_ex.state != states.PAUSED:
            raise exc.InputError(
                f'Only paused executions can be resumed; execution '
                f'{self.wf_ex.id} is {self.wf_ex.state}.')
        self._set_state(states.RUNNING)
        backlog = (self.wf_ex.runtime_context or {}).get('backlog', [])
        self.wf_ex.runtime_context = {
            k: v for k, v in (self.wf_ex.runtime_context or {}).items()
            if k != 'backlog'}
        for item in backlog:
            self._queue.append(commands.RunTask(
                item['task_name'], item['in_context'],
                tuple(item.get('triggered_by', ()))))
        held = self.session.scalars(
            sa.select(models.TaskExecution).where(
                models.TaskExecution.workflow_execution_id == self.wf_ex.id,
                models.TaskExecution.state == states.IDLE)).all()
        for task_ex in held:
            task_ex.runtime_context = {**(task_ex.runtime_context or {}),
                                       'pause_before_done': True}
            self._start_task(task_ex, self.spec.task(task_ex.name))
        self._drain()

    def rerun_task(self, task_ex: models.TaskExecution, reset: bool,
                   env: dict | None) -> None:
        """Run a failed task again; without `reset`, only the failed
        iterations of a with-items task."""
        if task_ex.state != states.ERROR:
            raise exc.InputError('The current task execution must be in '
                                 'ERROR for rerun.')
        runtime = dict(task_ex.runtime_context or {})
        progress = runtime.get('with_items')
        if not reset and progress is None:
            raise exc.InputError('Only with-items task has the option to '
                                 'not reset.')
        if env:
            params = dict(self.wf_ex.params or {})
            params['env'] = {**(params.get('env') or {}), **env}
            self.wf_ex.params = params
        if self.wf_ex.state != states.RUNNING:
            self._set_state(states.RUNNING)
        self.wf_ex.output = None
        self._set_task_state(task_ex, states.RUNNING)
        task_ex.state_info = None
        task_ex.processed = False
        task_ex.finished_at = None
        actions = models.ActionExecution
        if reset:
            runtime.pop('with_items', None)
            runtime.pop('retry_task_policy', None)
            task_ex.runtime_context = runtime
            self.session.execute(sa.update(actions).where(
                actions.task_execution_id == task_ex.id).values(
                accepted=False))
            self._start_task(task_ex, self.spec.task(task_ex.name))
        else:
            failed = self.session.execute(
                sa.select(actions.id, actions.runtime_context).where(
                    actions.task_execution_id == task_ex.id,
                    actions.accepted.is_(True),
                    actions.state != states.SUCCESS)).all()
            indexes = sorted((rc or {}).get('index', 0) for _, rc in failed)
            self.session.execute(sa.update(actions).where(
                actions.id.in_([a for a, _ in failed])).values(
                accepted=False))
            progress = dict(progress, failed=0, rerun=indexes,
                            done=progress['done'] - len(indexes),
                            started=progress['started'] - len(indexes))
            task_ex.runtime_context = {**runtime, 'with_items': progress}
            self._start_items(task_ex)
        self._drain()

    def skip_task(self, task_ex: models.TaskExecution) -> None:
        """Treat a failed task as skipped: publish-on-skip, then on-skip
        (or on-success) transitions; the workflow goes on."""
        if task_ex.state != states.ERROR:
            raise exc.InputError('Only tasks in ERROR state can be '
                                 'skipped.')
        if self.wf_ex.state != states.RUNNING:
            self._set_state(states.RUNNING)
        self.wf_ex.output = None
        self._set_task_state(task_ex, states.RUNNING)
        self._complete_task(task_ex, states.SKIPPED, 'Task was skipped.',
                            apply_policies=False)
        self._drain()

    def stop(self, state: str, info: str | None) -> None:
        if self.wf_ex.state in states.TERMINAL:
            raise exc.InputError(
                f'Execution {self.wf_ex.id} has already ended in state '
                f'{self.wf_ex.state}.')
        if state == states.SUCCESS:
            self._succeed(info)
        elif state == states.ERROR:
            self._fail(info)
        else:
            self.wf_ex.output = {'result': info}
            self._set_state(state, info)

    def _to_backlog(self, cmd: commands.RunTask) -> None:
        runtime = dict(self.wf_ex.runtime_context or {})
        runtime['backlog'] = runtime.get('backlog', []) + [{
            'task_name': cmd.task_name, 'in_context': cmd.in_context,
            'triggered_by': list(cmd.triggered_by)}]
        self.wf_ex.runtime_context = runtime

    def _propagate(self, previous: str, state: str) -> None:
        """Pause, resume and cancel travel down to running sub-workflows,
        and pause/resume up to the parent, each in its own transaction
        (a job due at once: it survives the death of any engine)."""
        if state == states.PAUSED:
            down = ('pause_workflow', {states.RUNNING})
        elif state == states.RUNNING and previous == states.PAUSED:
            down = ('resume_workflow', {states.PAUSED})
        elif state == states.CANCELLED:
            down = ('cancel_workflow', {states.RUNNING, states.PAUSED})
        else:
            return
        method, child_states = down
        for child_id in self.session.scalars(
                sa.select(models.WorkflowExecution.id)
                .join(models.TaskExecution,
                      models.TaskExecution.id ==
                      models.WorkflowExecution.task_execution_id)
                .where(models.TaskExecution.workflow_execution_id ==
                       self.wf_ex.id,
                       models.WorkflowExecution.state.in_(child_states))):
            self.outbox.schedule(method, {'execution_id': child_id}, 0)
        if self.wf_ex.task_execution_id and state != states.CANCELLED:
            self.outbox.schedule('on_subworkflow_state',
                                 {'wf_ex_id': self.wf_ex.id}, 0)

    def on_subworkflow_state(self, child: models.WorkflowExecution) -> None:
        """A child was paused or resumed on its own: follow it."""
        task_ex = self.session.get(models.TaskExecution,
                                   child.task_execution_id)
        if task_ex is None:
            return
        if child.state == states.PAUSED and task_ex.state == states.RUNNING:
            self._set_task_state(task_ex, states.PAUSED)
            if self.wf_ex.state == states.RUNNING:
                self._set_state(states.PAUSED)
        elif child.state == states.RUNNING and \
                task_ex.state == states.PAUSED:
            self._set_task_state(task_ex, states.RUNNING)
            if self.wf_ex.state == states.PAUSED:
                self.resume()

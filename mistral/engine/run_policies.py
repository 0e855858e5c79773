"""Carrying out task policy decisions (see `mistral.workflow.policies`):
delays through scheduled jobs, retries, timeouts and keep-result."""
from __future__ import annotations

import logging
import time

import sqlalchemy as sa

from mistral import exceptions as exc
from mistral.db import models
from mistral import expressions
from mistral.lang.specs import TaskSpec
from mistral.workflow import policies, states

LOG = logging.getLogger(__name__)


class PoliciesMixin:
    """Part of `WorkflowRun`; uses its session, execution, spec, outbox
    and queue."""

    def _start_task(self, task_ex: models.TaskExecution,
                    spec: TaskSpec) -> None:
        """Apply the before-start policies, then start the work."""
        runtime = dict(task_ex.runtime_context or {})
        try:
            start = policies.before_start(
                spec.policies, self._task_data(task_ex, task_ex.in_context),
                runtime)
        except exc.MistralError as e:
            self._force_fail_task(task_ex, str(e))
            return
        if start.pause:
            self._set_task_state(task_ex, states.IDLE)
            task_ex.state_info = policies.PAUSE_BEFORE_INFO
            if self.wf_ex.state == states.RUNNING:
                self._set_state(states.PAUSED)
            return
        if start.delay > 0:
            runtime['wait_before_done'] = True
            task_ex.runtime_context = runtime
            self._set_task_state(task_ex, states.RUNNING_DELAYED)
            task_ex.state_info = policies.wait_before_info(start.delay)
            self.outbox.schedule('run_delayed_task',
                                 {'task_ex_id': task_ex.id}, start.delay)
            return
        self._set_task_state(task_ex, states.RUNNING)
        task_ex.state_info = None
        if start.timeout > 0:
            # Executors stop the task's actions at this (wall clock) time.
            task_ex.runtime_context = {
                **(task_ex.runtime_context or {}),
                'deadline': time.time() + start.timeout}
            self.outbox.schedule('timeout_task',
                                 {'task_ex_id': task_ex.id,
                                  'timeout': start.timeout}, start.timeout)
        self._dispatch(task_ex, spec)

    def run_delayed_task(self, task_ex: models.TaskExecution) -> bool:
        """wait-before or a retry delay is over. False while paused."""
        if task_ex.state != states.RUNNING_DELAYED or \
                (task_ex.runtime_context or {}).get('wait_after_done'):
            return True
        if self.wf_ex.state == states.PAUSED:
            return False
        if self.wf_ex.state in states.TERMINAL:
            return True
        self._start_task(task_ex, self.spec.task(task_ex.name))
        self._drain()
        return True

    def complete_delayed_task(self, task_ex: models.TaskExecution) -> bool:
        """wait-after is over: finish the task with its saved outcome."""
        runtime = task_ex.runtime_context or {}
        if task_ex.state != states.RUNNING_DELAYED or \
                'saved_state' not in runtime:
            return True
        if self.wf_ex.state == states.PAUSED:
            return False
        self._complete_task(task_ex, runtime['saved_state'],
                            runtime.get('saved_state_info'),
                            apply_policies=False)
        self._drain()
        return True

    def timeout_task(self, task_ex: models.TaskExecution,
                     timeout: float) -> bool:
        if task_ex.state != states.RUNNING:
            return True
        task_ex.runtime_context = {**(task_ex.runtime_context or {}),
                                   'timed_out': True}
        self._complete_task(task_ex, states.ERROR,
                            policies.timeout_info(timeout))
        self._drain()
        return True

    def _apply_keep_result(self, task_ex: models.TaskExecution,
                           spec: TaskSpec, data: dict) -> None:
        """keep-result: false drops the action results once published."""
        try:
            keep = expressions.evaluate(spec.policies['keep-result'], data)
        except exc.MistralError as e:
            LOG.warning('keep-result of task %s: %s', task_ex.name, e)
            return
        if keep is False or str(keep).lower() == 'false':
            self.session.execute(
                sa.update(models.ActionExecution)
                .where(models.ActionExecution.task_execution_id ==
                       task_ex.id)
                .values(output={'result': None}))

    def _retry(self, task_ex: models.TaskExecution, spec: TaskSpec,
               runtime: dict, delay: float) -> None:
        """Run the task again: earlier results no longer count."""
        retry = dict(runtime.get('retry_task_policy') or {})
        retry['retry_no'] = retry.get('retry_no', 0) + 1
        runtime['retry_task_policy'] = retry
        runtime.pop('with_items', None)
        task_ex.runtime_context = runtime
        self.session.execute(
            sa.update(models.ActionExecution)
            .where(models.ActionExecution.task_execution_id == task_ex.id)
            .values(accepted=False))
        if delay > 0:
            self._set_task_state(task_ex, states.RUNNING_DELAYED)
            task_ex.state_info = policies.retry_info(delay)
            self.outbox.schedule('run_delayed_task',
                                 {'task_ex_id': task_ex.id}, delay)
        else:
            self._set_task_state(task_ex, states.RUNNING)
            task_ex.state_info = None
            self._dispatch(task_ex, spec)

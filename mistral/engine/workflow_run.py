"""One workflow execution, inside one transaction: the engine's shell
around the pure controller.

The caller locks the execution row first (one writer per execution), then
feeds one event in; the run applies the controller's commands until
nothing is left to do, writing task and action executions and queuing
outbox messages. Nothing here commits or sends.
"""
from __future__ import annotations

import collections
import datetime
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral import expressions
from mistral.db import models
from mistral.engine import adhoc, dispatch, heartbeats, tx_state
from mistral.engine.run_flow import FlowMixin
from mistral.engine.run_lifecycle import LifecycleMixin
from mistral.engine.run_policies import PoliciesMixin
from mistral.engine.lookups import DBLookups, task_result
from mistral.engine.outbox import Outbox
from mistral.expressions import functions
from mistral.lang.specs import TaskSpec, WorkflowSpec
from mistral.notifiers import recorder as notify
from mistral.utils import jsonutils
from mistral.utils.text import cut as _cut
from mistral.workflow import (commands, data_flow, direct, policies,
                              reverse, states, with_items)

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    engine_topic: str = 'mistral_engine'
    executor_topic: str = 'mistral_executor'
    field_size_limit_kb: int = 1024
    merge_strategy: str = 'replace'
    # Run actions that are pure and instant (std.noop, std.echo,
    # std.fail) inside the engine transaction instead of over RPC.
    inline_pure_actions: bool = True
    # Merge parallel branches by publish version ([context_versioning]).
    context_versioning: bool = True
    # A task target must name an executor heard from within this many
    # seconds; 0 skips the check (heartbeats off).
    executor_alive_s: float = 0.0


def lock_execution(session: Session,
                   wf_ex_id: str) -> models.WorkflowExecution | None:
    """Load an execution holding its row lock until the transaction ends."""
    return session.scalars(
        sa.select(models.WorkflowExecution)
        .where(models.WorkflowExecution.id == wf_ex_id)
        .with_for_update()
        .execution_options(populate_existing=True)).first()


class WorkflowRun(LifecycleMixin, PoliciesMixin, FlowMixin):
    def __init__(self, session: Session, wf_ex: models.WorkflowExecution,
                 spec: WorkflowSpec, settings: EngineSettings,
                 outbox: Outbox) -> None:
        self.session = session
        self.wf_ex = wf_ex
        self.spec = spec
        self.settings = settings
        self.outbox = outbox
        self._queue: collections.deque[commands.Command] = \
            collections.deque()
        # Results of actions run inside the engine (see dispatch), applied
        # by the drain loop like results arriving from executors.
        self.inline_results: collections.deque = collections.deque()
        # Set on a sub-workflow started inside its parent's transaction.
        self.parent_run: 'WorkflowRun | None' = None
        self.finished_children: collections.deque = collections.deque()
        self._draining = False
        # Created in this transaction: its tasks are all in memory.
        self._new = tx_state.is_new_execution(session, wf_ex.id)

    # -- evaluation data -----------------------------------------------------

    @property
    def env(self) -> dict:
        return (self.wf_ex.params or {}).get('env') or {}

    def _data(self, *layers: dict | None,
              lookups: DBLookups | None = None) -> dict:
        return data_flow.evaluation_data(
            *layers, self.wf_ex.context, self.wf_ex.input,
            lookups=lookups or DBLookups(self.session, self.wf_ex),
            env=self.env)

    def _task_data(self, task_ex: models.TaskExecution, ctx: dict,
                   result: Any = ...) -> dict:
        lookups = DBLookups(self.session, self.wf_ex).for_task(
            task_ex, (lambda: result) if result is not ... else None)
        current = {functions.TASK_KEY: {'id': task_ex.id,
                                        'name': task_ex.name}}
        return self._data(current, ctx, lookups=lookups)

    # -- starting --------------------------------------------------------------

    def start(self) -> None:
        """Evaluate `vars` and run the start tasks.

        Errors here (bad vars, a reverse workflow without a valid
        task_name) refuse the start, as upstream does: the caller's
        transaction rolls back and nothing is stored.
        """
        if self.parent_run is not None:
            notify.inherit(self.parent_run.wf_ex, self.wf_ex)
        notify.workflow_changed(self, None, self.wf_ex.state)
        execution = {functions.EXECUTION_KEY: {'id': self.wf_ex.id}}
        variables = expressions.evaluate_recursively(
            self.spec.vars, self._data(execution))
        # Keeps what launch put there ($.openstack of an authenticated
        # caller).
        self.wf_ex.context = {**(self.wf_ex.context or {}), **execution,
                              **(variables or {})}
        # Branch contexts start empty: workflow input, vars and globals are
        # reached through the lower layers of the evaluation data.
        if self.spec.type == 'reverse':
            self._queue.extend(reverse.start_commands(
                self.spec, (self.wf_ex.params or {}).get('task_name')))
        else:
            self._queue.extend(direct.start_commands(self.spec, {}))
        self._drain()

    # -- events ------------------------------------------------------------------

    def on_action_complete(self, action_ex: models.ActionExecution,
                           result: dict,
                           task_ex: models.TaskExecution | None = None
                           ) -> None:
        """Apply an action's result (idempotent: duplicates are ignored)."""
        if action_ex.state in states.COMPLETED:
            LOG.info('Ignoring duplicate result of action execution %s',
                     action_ex.id)
            return
        if result.get('cancel'):
            state, value = states.CANCELLED, None
        elif result.get('error') is not None:
            state, value = states.ERROR, result['error']
        else:
            state, value = states.SUCCESS, result.get('data')
            transforms = (action_ex.spec or {}).get('output_transforms')
            if transforms:
                try:
                    value = adhoc.transform_output(transforms, value)
                except exc.MistralError as e:
                    state, value = states.ERROR, str(e)
        action_ex.state = state
        action_ex.output = {'result': value}
        action_ex.accepted = True
        try:
            self.check_size('ActionExecution', 'output', action_ex.output)
        except exc.SizeLimitExceededError as e:
            state, value = states.ERROR, str(e)
            action_ex.state = state
            action_ex.output = {'result': value}
        if state != states.SUCCESS:
            action_ex.state_info = _cut(str(value))
        if task_ex is None:
            task_ex = self.session.get(models.TaskExecution,
                                       action_ex.task_execution_id)
        self._on_unit_complete(task_ex, state, value)

    def on_action_lost(self, action_ex: models.ActionExecution) -> None:
        """See Engine.on_action_lost."""
        message = heartbeats.lost_message(action_ex.id)
        task_ex = self.session.get(models.TaskExecution,
                                   action_ex.task_execution_id)
        spec = self.spec.task(task_ex.name)
        index = (action_ex.runtime_context or {}).get('index')
        item = {}
        if index is not None:
            item = (task_ex.runtime_context or {}).get(
                'with_items', {}).get('items', [{}] * (index + 1))[index]
        data = self._task_data(task_ex, {**(task_ex.in_context or {}),
                                         **item})
        try:
            safe = bool(expressions.evaluate(
                spec.policies.get('safe-rerun', False), data))
        except exc.MistralError:
            safe = False
        if not safe or task_ex.state != states.RUNNING:
            self.on_action_complete(action_ex, {'error': message},
                                    task_ex)
            return
        action_ex.state = states.ERROR
        action_ex.state_info = message + '; re-running it (safe-rerun)'
        action_ex.output = {'result': message}
        action_ex.accepted = False
        try:
            dispatch.start_unit(self, task_ex, spec, data, index)
        except exc.MistralError as e:
            self._force_fail_task(task_ex, str(e))
        self._drain()

    def on_subworkflow_complete(self, child: models.WorkflowExecution
                                ) -> None:
        """A child execution ended: finish its part of the parent task
        (idempotent: the child is marked accepted once)."""
        if child.accepted or child.state not in states.TERMINAL:
            return
        child.accepted = True
        task_ex = tx_state.get_task(self.session, child.task_execution_id)
        value = child.output if child.state == states.SUCCESS else \
            child.state_info
        self._on_unit_complete(task_ex, child.state, value)

    def _on_unit_complete(self, task_ex: models.TaskExecution | None,
                          state: str, value: Any) -> None:
        # PAUSED: a sub-workflow may finish before its resume reached us.
        if task_ex is None or task_ex.state not in (states.RUNNING,
                                                    states.PAUSED):
            return
        self._set_task_state(task_ex, states.RUNNING)
        progress = (task_ex.runtime_context or {}).get('with_items')
        if progress is None:
            info = None if state == states.SUCCESS else _cut(
                value if isinstance(value, str) else jsonutils.dumps(value))
            self._complete_task(task_ex, state, info, value)
        else:
            progress = dict(progress)
            progress['done'] += 1
            if state == states.CANCELLED:
                progress['cancelled'] = progress.get('cancelled', 0) + 1
            elif state != states.SUCCESS:
                progress['failed'] += 1
            task_ex.runtime_context = {**task_ex.runtime_context,
                                       'with_items': progress}
            if progress['done'] < progress['count']:
                self._start_items(task_ex)
            elif progress.get('cancelled'):
                self._complete_task(task_ex, states.CANCELLED, None)
            elif progress['failed']:
                self._complete_task(task_ex, states.ERROR,
                                    'One or more actions had failed.')
            else:
                self._complete_task(task_ex, states.SUCCESS, None)
        self._drain()

    # -- the command loop -----------------------------------------------------------

    def _drain(self) -> None:
        """Apply queued commands and results of actions the engine ran
        itself until none is left. Re-entrant calls return at once: the
        outermost loop does the work, so long chains do not recurse."""
        if self._draining:
            return
        self._draining = True
        try:
            while self._queue or self.inline_results or \
                    self.finished_children:
                if self.finished_children:
                    self.on_subworkflow_complete(
                        self.finished_children.popleft())
                    continue
                if self.inline_results:
                    action_ex, result, task_ex = \
                        self.inline_results.popleft()
                    self.on_action_complete(action_ex, result, task_ex)
                    continue
                cmd = self._queue.popleft()
                if self.wf_ex.state in states.TERMINAL:
                    self._queue.clear()
                    continue
                if isinstance(cmd, commands.SetWorkflowState):
                    self._apply_engine_command(cmd)
                elif self.wf_ex.state == states.PAUSED:
                    self._to_backlog(cmd)
                else:
                    self._run_task(cmd)
        finally:
            self._draining = False
        self._check_completion()

    def _apply_engine_command(self, cmd: commands.SetWorkflowState) -> None:
        if cmd.state == states.SUCCESS:
            self._succeed(cmd.message)
        elif cmd.state == states.ERROR:
            self._fail(cmd.message)
        elif cmd.state == states.PAUSED:
            self._set_state(states.PAUSED, cmd.message)

    # -- tasks ------------------------------------------------------------------

    def _new_task(self, spec: TaskSpec, state: str, in_context: dict,
                  triggered_by: tuple[dict, ...]) -> models.TaskExecution:
        task_ex = models.TaskExecution(
            id=models.new_id(),
            name=spec.name,
            workflow_execution_id=self.wf_ex.id,
            workflow_name=self.wf_ex.workflow_name,
            workflow_namespace=self.wf_ex.workflow_namespace,
            workflow_id=self.wf_ex.workflow_id,
            project_id=self.wf_ex.project_id,
            state=state,
            spec={'name': spec.name, **spec.raw},
            type=spec.type,
            in_context=in_context,
            published={},
            runtime_context={'triggered_by': list(triggered_by)}
            if triggered_by else {},
            tags=list(spec.raw.get('tags') or []) or None,
            started_at=models.utcnow(),
        )
        tx_state.add_task(self.session, task_ex)
        self._count_open_tasks(task_ex.state, +1)
        notify.task_changed(self, task_ex, None, state)
        return task_ex

    def _set_task_state(self, task_ex: models.TaskExecution,
                        state: str) -> None:
        """Every task state change goes through here to keep the
        execution's open-task counters exact."""
        if task_ex.state != state:
            self._count_open_tasks(task_ex.state, -1)
            self._count_open_tasks(state, +1)
            notify.task_changed(self, task_ex, task_ex.state, state)
        task_ex.state = state

    def _count_open_tasks(self, state: str, delta: int) -> None:
        """Counters in runtime_context let the completion check avoid
        counting the execution's tasks on every event (the row lock makes
        them exact)."""
        if state not in states.INCOMPLETE:
            return
        runtime = dict(self.wf_ex.runtime_context or {})
        runtime['open_tasks'] = runtime.get('open_tasks', 0) + delta
        if state == states.WAITING:
            runtime['waiting_tasks'] = runtime.get('waiting_tasks', 0) + delta
        self.wf_ex.runtime_context = runtime

    def _run_task(self, cmd: commands.RunTask) -> None:
        spec = self.spec.task(cmd.task_name)
        if spec.join is not None:
            self._run_join(cmd, spec)
            return
        task_ex = self._new_task(spec, states.RUNNING, cmd.in_context,
                                 cmd.triggered_by)
        self._start_task(task_ex, spec)

    def _dispatch(self, task_ex: models.TaskExecution,
                  spec: TaskSpec) -> None:
        """Start the work of a RUNNING task."""
        data = self._task_data(task_ex, task_ex.in_context)
        try:
            if 'with-items' in spec.policies:
                self._start_with_items(task_ex, spec, data)
            else:
                dispatch.start_unit(self, task_ex, spec, data, None)
        except exc.MistralError as e:
            self._start_failed(task_ex, spec, str(e))

    def _start_failed(self, task_ex: models.TaskExecution, spec: TaskSpec,
                      error: str) -> None:
        # Like upstream: a sub-workflow that cannot start is an ordinary
        # task failure (on-error applies); any other start error fails the
        # whole execution.
        if spec.workflow:
            self._complete_task(task_ex, states.ERROR, _cut(error))
        else:
            self._force_fail_task(task_ex, error)

    def _force_fail_task(self, task_ex: models.TaskExecution,
                         error: str) -> None:
        """A task that could not even start (bad input, unknown action or
        workflow, ...) fails the whole execution, without transitions or
        retries, as upstream does."""
        self._set_task_state(task_ex, states.ERROR)
        task_ex.state_info = _cut(error)
        task_ex.finished_at = models.utcnow()
        task_ex.processed = True
        if self.wf_ex.state not in states.TERMINAL:
            self._fail(f'Failed to run task [error={error}, '
                       f'wf={self.wf_ex.workflow_name}, task={task_ex.name}]')

    def _start_with_items(self, task_ex: models.TaskExecution,
                          spec: TaskSpec, data: dict) -> None:
        values = with_items.items(spec.policies['with-items'], data)
        limit = with_items.concurrency(expressions.evaluate(
            spec.policies.get('concurrency'), data))
        if not values:
            task_ex.runtime_context = {
                **(task_ex.runtime_context or {}),
                'with_items': {'count': 0, 'started': 0, 'done': 0,
                               'failed': 0, 'concurrency': limit,
                               'items': []}}
            self._complete_task(task_ex, states.SUCCESS, None, [])
            return
        task_ex.runtime_context = {
            **(task_ex.runtime_context or {}),
            'with_items': {'count': len(values), 'started': 0, 'done': 0,
                           'failed': 0, 'concurrency': limit,
                           'items': values}}
        self._start_items(task_ex)

    def _start_items(self, task_ex: models.TaskExecution) -> None:
        """Start iterations up to the concurrency limit."""
        spec = self.spec.task(task_ex.name)
        progress = dict(task_ex.runtime_context['with_items'])
        limit = progress['concurrency']
        rerun = list(progress.get('rerun', []))
        try:
            while (rerun or progress['started'] < progress['count']) and (
                    not limit or
                    progress['started'] - progress['done'] < limit):
                if rerun:
                    # Failed iterations of a rerun without reset.
                    index = rerun.pop(0)
                    progress['rerun'] = rerun
                else:
                    index = progress['started']
                item = progress['items'][index]
                data = self._task_data(task_ex,
                                       {**(task_ex.in_context or {}), **item})
                progress['started'] += 1
                dispatch.start_unit(self, task_ex, spec, data, index)
        except exc.MistralError as e:
            self._start_failed(task_ex, spec, str(e))
            return
        finally:
            task_ex.runtime_context = {**task_ex.runtime_context,
                                       'with_items': progress}

    def _complete_task(self, task_ex: models.TaskExecution, state: str,
                       state_info: str | None, result: Any = ...,
                       apply_policies: bool = True) -> None:
        """Finish a task: policies, publish, then queue what its
        transitions say."""
        spec = self.spec.task(task_ex.name)
        if result is ...:
            result = task_result(self.session, task_ex)
        if apply_policies and spec.policies:
            runtime = dict(task_ex.runtime_context or {})
            data = self._task_data(task_ex, task_ex.in_context, result)
            try:
                finish = policies.after_complete(spec.policies, state,
                                                 state_info, data, runtime)
            except exc.MistralError as e:
                finish = policies.Finish(states.ERROR, _cut(str(e)))
            state, state_info = finish.state, finish.state_info
            if finish.retry_delay is not None:
                notify.task_retried(self, task_ex, state_info,
                                    finish.retry_delay)
                self._retry(task_ex, spec, runtime, finish.retry_delay)
                return
            if finish.wait_after > 0:
                runtime.update(wait_after_done=True, saved_state=state,
                               saved_state_info=state_info)
                task_ex.runtime_context = runtime
                self._set_task_state(task_ex, states.RUNNING_DELAYED)
                task_ex.state_info = policies.wait_after_info(
                    finish.wait_after)
                self.outbox.schedule('complete_delayed_task',
                                     {'task_ex_id': task_ex.id},
                                     finish.wait_after)
                return
        self._set_task_state(task_ex, state)
        task_ex.state_info = state_info
        task_ex.finished_at = models.utcnow()

        branch_expr, global_expr = direct.publish_for(spec, state)
        data = self._task_data(task_ex, task_ex.in_context, result)
        try:
            published = data_flow.evaluate_publish(branch_expr, data)
            published_global = data_flow.evaluate_publish(global_expr, data)
            self.check_size('TaskExecution', 'published', published)
        except exc.MistralError as e:
            if state == states.ERROR:
                published, published_global = {}, {}
            else:
                self._complete_task(task_ex, states.ERROR, _cut(str(e)),
                                    result)
                return
        task_ex.published = published
        if published and self.settings.context_versioning:
            runtime = dict(self.wf_ex.runtime_context or {})
            runtime['publish_seq'] = runtime.get('publish_seq', 0) + 1
            self.wf_ex.runtime_context = runtime
            task_ex.runtime_context = {**(task_ex.runtime_context or {}),
                                       'ctx_version': runtime['publish_seq']}
        if 'keep-result' in spec.policies:
            self._apply_keep_result(task_ex, spec, data)
        if published_global:
            self.wf_ex.context = data_flow.merge_dicts(
                self.wf_ex.context or {}, published_global,
                deep=self.settings.merge_strategy == 'merge')

        outbound = self.outbound_of(task_ex)
        guard_data = self._task_data(task_ex, outbound, result)
        try:
            if self.spec.type == 'reverse':
                outcome = self._reverse_transitions(task_ex, state, outbound)
            else:
                outcome = direct.transitions(self.spec, task_ex.name,
                                             task_ex.id, state, outbound,
                                             guard_data)
        except exc.MistralError as e:
            if state == states.ERROR:
                outcome = direct.Transitions((), ())
                task_ex.state_info = _cut(f'{state_info}; {e}')
            else:
                self._complete_task(task_ex, states.ERROR, _cut(str(e)),
                                    result)
                return
        task_ex.next_tasks = [list(n) for n in outcome.next_tasks]
        task_ex.has_next_tasks = any(
            isinstance(c, commands.RunTask) for c in outcome.commands)
        task_ex.error_handled = (state == states.ERROR and
                                 direct.is_error_handled(outcome))
        task_ex.processed = True
        self._queue.extend(outcome.commands)

        # A join downstream that this task did not trigger may now be
        # impossible to satisfy: let it re-evaluate.
        fired = {name for name, _ in outcome.next_tasks}
        for name in sorted(spec.next_task_names() - fired):
            if self.spec.task(name).join is not None:
                self._queue.append(commands.RunTask(name, {}, ()))

    # -- the workflow -----------------------------------------------------------

    def _check_completion(self) -> None:
        if self.wf_ex.state != states.RUNNING or self._queue or \
                self.inline_results or self.finished_children:
            return
        runtime = self.wf_ex.runtime_context or {}
        if runtime.get('open_tasks', 0) > runtime.get('waiting_tasks', 0):
            return
        # Looks finished: confirm once with the database before ending,
        # in one grouped query.
        task = models.TaskExecution
        if self._new:
            counts = collections.Counter(
                (t.state, bool(t.error_handled))
                for t in tx_state.new_tasks_of(self.session, self.wf_ex.id))
        else:
            counts = {
                (state, bool(handled)): n for state, handled, n in
                self.session.execute(
                    sa.select(task.state, task.error_handled,
                              sa.func.count())
                    .where(task.workflow_execution_id == self.wf_ex.id)
                    .group_by(task.state, task.error_handled))}

        def count(*wanted: str, handled: bool | None = None) -> int:
            return sum(n for (state, h), n in counts.items()
                       if state in wanted and (handled is None or
                                               h == handled))

        if count(*(states.INCOMPLETE - {states.WAITING})):
            LOG.error('Open-task counter of execution %s was wrong (%s); '
                      'using the stored task states', self.wf_ex.id,
                      runtime)
            return
        if count(states.WAITING):
            # Nothing can trigger these joins any more.
            for task_ex in self.session.scalars(sa.select(task).where(
                    task.workflow_execution_id == self.wf_ex.id,
                    task.state == states.WAITING)).all():
                self._complete_task(task_ex, states.ERROR,
                                    task_ex.state_info or 'Join can not be '
                                    'satisfied')
            self._drain()
            return
        if count(states.ERROR, handled=False):
            self._fail(self._failure_summary())
        elif count(states.CANCELLED):
            names = self.session.scalars(
                sa.select(task.name).where(
                    task.workflow_execution_id == self.wf_ex.id,
                    task.state == states.CANCELLED)).all()
            self._set_state(states.CANCELLED,
                            f'Cancelled tasks: {", ".join(names)}')
        else:
            self._succeed()

    def outbound_of(self, task_ex: models.TaskExecution) -> dict:
        """The context a task hands to the tasks after it."""
        return data_flow.outbound_context(
            task_ex.in_context or {}, task_ex.published or {},
            deep_merge=self.settings.merge_strategy == 'merge',
            version=(task_ex.runtime_context or {}).get('ctx_version'))

    def merge_outbounds(self, tasks: list[models.TaskExecution]) -> dict:
        return data_flow.merge_contexts(
            [self.outbound_of(t) for t in tasks],
            by_version=self.settings.context_versioning,
            deep=self.settings.merge_strategy == 'merge')

    def _final_context(self) -> dict:
        """Merge of the outbound contexts of the tasks that ended branches."""
        if self._new:
            return self.merge_outbounds(sorted(
                (t for t in tx_state.new_tasks_of(self.session, self.wf_ex.id)
                 if not t.has_next_tasks and t.state in states.COMPLETED),
                # As the query below orders them (NULLs last).
                key=lambda t: (t.finished_at is None,
                               t.finished_at or datetime.datetime.min)))
        return self.merge_outbounds(list(self.session.scalars(
            sa.select(models.TaskExecution).where(
                models.TaskExecution.workflow_execution_id == self.wf_ex.id,
                models.TaskExecution.has_next_tasks.is_(False),
                models.TaskExecution.state.in_(states.COMPLETED))
            .order_by(models.TaskExecution.finished_at))))

    def _succeed(self, message: str | None = None) -> None:
        final = self._final_context()
        try:
            if self.spec.output:
                output = expressions.evaluate_recursively(
                    self.spec.output, self._data(final))
            else:
                output = data_flow.strip_internal(final)
            self.check_size('WorkflowExecution', 'output', output)
        except exc.MistralError as e:
            self._fail(str(e))
            return
        self.wf_ex.output = output
        self._set_state(states.SUCCESS, message)

    def _fail(self, message: str | None) -> None:
        output: dict = {'result': message}
        if self.spec.output_on_error:
            try:
                output.update(expressions.evaluate_recursively(
                    self.spec.output_on_error,
                    self._data(self._final_context())))
            except exc.MistralError as e:
                message = f'{message}\n{e}' if message else str(e)
                output['result'] = message
        self.wf_ex.output = output
        self._set_state(states.ERROR, message)

    def _failure_summary(self) -> str:
        failed = self.session.scalars(
            sa.select(models.TaskExecution).where(
                models.TaskExecution.workflow_execution_id == self.wf_ex.id,
                models.TaskExecution.state == states.ERROR,
                models.TaskExecution.error_handled.is_(False))
            .order_by(models.TaskExecution.created_at)).all()
        if not failed:
            return 'Workflow failed'
        blocks = []
        for t in failed:
            lines = [f'  {t.name} [task_ex_id={t.id}] -> {t.state_info}']
            for i, a in enumerate(self.session.scalars(
                    sa.select(models.ActionExecution).where(
                        models.ActionExecution.task_execution_id == t.id,
                        models.ActionExecution.state == states.ERROR))):
                error = (a.output or {}).get('result')
                lines.append(f'    [action_ex_id={a.id}, idx={i}]: {error}')
            for i, child in enumerate(self.session.scalars(
                    sa.select(models.WorkflowExecution).where(
                        models.WorkflowExecution.task_execution_id == t.id,
                        models.WorkflowExecution.state == states.ERROR))):
                lines.append(f'    [wf_ex_id={child.id}, idx={i}]: '
                             f'{child.state_info}')
            blocks.append('\n'.join(lines))
        header = ('Failure caused by error in tasks: '
                  + ', '.join(t.name for t in failed))
        return _cut(header + '\n\n' + '\n\n'.join(blocks) + '\n')

    def _set_state(self, state: str, info: str | None = None) -> None:
        previous = self.wf_ex.state
        states.check_transition('workflow execution', previous, state)
        notify.workflow_changed(self, previous, state)
        self.wf_ex.state = state
        self.wf_ex.state_info = _cut(info)
        if state != previous:
            self._propagate(previous, state)
        if state in states.TERMINAL and self.wf_ex.task_execution_id:
            if self.parent_run is not None:
                # Started and ended in the parent's transaction, which
                # already holds the parent's lock: continue it right away.
                self.parent_run.finished_children.append(self.wf_ex)
            else:
                # Tell the parent in its own transaction (locks are always
                # taken parent-free), through a job due at once: unlike a
                # message, it is not lost if the engine running it dies.
                self.outbox.schedule('on_workflow_complete',
                                     {'wf_ex_id': self.wf_ex.id}, 0)

    def check_size(self, kind: str, field: str, value: Any) -> None:
        limit = self.settings.field_size_limit_kb
        if limit < 0:
            return
        size = jsonutils.size_kb(value)
        if size > limit:
            raise exc.SizeLimitExceededError(kind, field, size, limit)

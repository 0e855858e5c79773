"""Runs a workflow on the pure core alone: scripted action results and a
manual clock instead of executors and sleeps.

The loop follows the engine's (mistral/engine/workflow_run.py): commands
from `direct`/`reverse`, policy decisions from `policies`, iterations from
`with_items`, timers on a `TimerQueue`. Every task state change is traced
with the time it happened, so tests assert sequences such as "DELAYED at
0, RUNNING at 5". No database, RPC, threads or sleeps.

Action results come from a script per task name, or from `perform`: a
function of the action name and its input, evaluated as the engine does
(tests/unit/workflow/test_corpus_pure.py plays std.noop/echo/fail so).
Results due at once are applied before the next queued command, as the
engine does with the pure actions it runs inline; contexts merge by
publish version and the workflow output is evaluated as in the engine's
default configuration.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from mistral import exceptions as exc
from mistral import expressions
from mistral.expressions import functions
from mistral.lang.specs import WorkflowSpec
from mistral.utils import jsonutils
from mistral.utils.text import cut
from mistral.workflow import (commands, data_flow, direct, policies,
                              reverse, states, timers, with_items)


@dataclass(frozen=True)
class Outcome:
    """One scripted run of an action."""
    state: str = states.SUCCESS
    result: Any = None
    after: float = 0.0      # seconds the action takes


def ok(result: Any = None, after: float = 0.0) -> Outcome:
    return Outcome(states.SUCCESS, result, after)


def error(result: Any = 'boom', after: float = 0.0) -> Outcome:
    return Outcome(states.ERROR, result, after)


# Plays an action: (action name, evaluated input) -> its outcome. May
# raise MistralError for input the action refuses.
Performer = Callable[[str, dict], Outcome]


@dataclass
class SimTask:
    id: str
    name: str
    state: str
    in_context: dict
    state_info: str | None = None
    published: dict = field(default_factory=dict)
    runtime: dict = field(default_factory=dict)
    result: Any = None
    next_tasks: tuple = ()
    processed: bool = False
    error_handled: bool = False
    attempt: int = 0
    actions: list = field(default_factory=list)   # Outcomes, in order
    has_next: bool = False      # its transitions started other tasks
    finished: int = 0           # completion order (0: not completed)
    version: int | None = None  # publish version (context versioning)


class _Lookups:
    """`task()` and `global()` for expressions, from the simulation."""

    def __init__(self, sim: 'Simulation', current: SimTask | None) -> None:
        self.sim, self.current = sim, current

    def task(self, name: str | None) -> dict | None:
        t = self.current if name is None else self.sim.latest(name)
        if t is None:
            return None
        return {'id': t.id, 'name': t.name, 'state': t.state,
                'state_info': t.state_info, 'result': t.result,
                'published': t.published}

    def tasks(self, *args: Any) -> list[dict]:
        return [self.task(t.name) for t in self.sim.tasks]

    def execution(self) -> dict:
        return {'id': 'sim', 'input': self.sim.input}

    def executions(self, *args: Any) -> list[dict]:
        return [self.execution()]

    def global_var(self, name: str) -> Any:
        return self.sim.context.get(name)


class Simulation:
    def __init__(self, spec: WorkflowSpec,
                 script: dict[str, list[Outcome]] | None = None,
                 clock: timers.ManualClock | None = None,
                 input: dict | None = None, env: dict | None = None,
                 task_name: str | None = None,
                 perform: Performer | None = None) -> None:
        self.spec = spec
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.clock = clock or timers.ManualClock()
        self.timers = timers.TimerQueue(self.clock)
        self.input = data_flow.validate_input(spec.input, input or {},
                                              'workflow', spec.name)
        self.env = env or {}
        self.task_name = task_name
        self.perform = perform
        self.output: Any = None
        self.context: dict = {}
        self.state = states.IDLE
        self.state_info: str | None = None
        self.tasks: list[SimTask] = []
        self.queue: list[commands.Command] = []
        self.inline: list[tuple] = []       # results due at once
        self.trace: list[tuple[float, str, str]] = []
        self.actions: dict[str, int] = {}   # action runs per task name
        self._ids = itertools.count(1)
        self._versions = itertools.count(1)
        self._finish_seq = itertools.count(1)

    # -- driving -------------------------------------------------------------

    def run(self, max_steps: int = 10_000) -> str:
        """Start (or continue) until the workflow ends or pauses."""
        if self.state == states.IDLE:
            self._set_wf(states.RUNNING)
            execution = {functions.EXECUTION_KEY: {'id': 'sim'}}
            variables = expressions.evaluate_recursively(
                self.spec.vars, self._wf_data(execution))
            self.context = {**execution, **(variables or {})}
            if self.spec.type == 'reverse':
                self.queue.extend(reverse.start_commands(self.spec,
                                                         self.task_name))
            else:
                self.queue.extend(direct.start_commands(self.spec, {}))
        for _ in range(max_steps):
            if self.state != states.RUNNING:
                return self.state
            if self.inline:
                self._on_result(*self.inline.pop(0))
            elif self.queue:
                self._apply(self.queue.pop(0))
            elif not self._open():
                # Timers left now (late results, spent timeouts) change
                # nothing, as in the engine.
                self._finish()
            elif (timer := self.timers.pop_due()) is not None:
                getattr(self, '_on_' + timer.kind)(*timer.payload)
            else:
                self.clock.advance_to(self.timers.next_due())
        return self.state

    def resume(self) -> str:
        self._set_wf(states.RUNNING)
        for t in self.tasks:
            if t.state == states.IDLE:   # held by pause-before
                t.runtime['pause_before_done'] = True
                self._start(t)
        return self.run()

    # -- queries ---------------------------------------------------------------

    def latest(self, name: str) -> SimTask | None:
        found = [t for t in self.tasks if t.name == name]
        return found[-1] if found else None

    def states_of(self, name: str) -> list[tuple[float, str]]:
        return [(at, state) for at, n, state in self.trace if n == name]

    # -- commands --------------------------------------------------------------

    def _apply(self, cmd: commands.Command) -> None:
        if isinstance(cmd, commands.SetWorkflowState):
            if cmd.state == states.SUCCESS:
                self._succeed(cmd.message)
            elif cmd.state == states.ERROR:
                self._fail(cmd.message)
            else:
                self._set_wf(cmd.state, cmd.message)
        elif self.spec.task(cmd.task_name).join is not None:
            self._join(cmd)
        else:
            self._start(self._new(cmd.task_name, states.RUNNING,
                                  cmd.in_context))

    def _new(self, name: str, state: str, ctx: dict) -> SimTask:
        task = SimTask(f'{name}-{next(self._ids)}', name, state, ctx)
        self.tasks.append(task)
        self._trace(task)
        return task

    def _set(self, task: SimTask, state: str,
             info: str | None = None) -> None:
        task.state, task.state_info = state, info
        self._trace(task)

    def _trace(self, task: SimTask) -> None:
        self.trace.append((self.clock.now(), task.name, task.state))

    def _set_wf(self, state: str, info: str | None = None) -> None:
        self.state, self.state_info = state, cut(info)
        self.trace.append((self.clock.now(), '<workflow>', state))

    def _data(self, task: SimTask, ctx: dict, result: Any = None) -> dict:
        task.result = result if result is not None else task.result
        current = {functions.TASK_KEY: {'id': task.id, 'name': task.name}}
        return data_flow.evaluation_data(
            current, ctx, self.context, self.input,
            lookups=_Lookups(self, task), env=self.env)

    def _wf_data(self, ctx: dict) -> dict:
        return data_flow.evaluation_data(
            ctx, self.context, self.input, lookups=_Lookups(self, None),
            env=self.env)

    # -- joins -------------------------------------------------------------------

    def _join(self, cmd: commands.RunTask) -> None:
        spec = self.spec.task(cmd.task_name)
        task = self.latest(spec.name)
        if task is not None and task.state != states.WAITING:
            return   # a join runs once
        if task is None:
            task = self._new(spec.name, states.WAITING, {})
        inbound = {}
        for name in self.spec.inbound[spec.name]:
            t = self.latest(name)
            inbound[name] = None if t is None else direct.Inbound(
                completed=t.processed,
                fired=any(n == spec.name for n, _ in t.next_tasks))
        status = direct.join_status(spec, inbound)
        reachable = None
        if status != direct.JOIN_READY:
            live = {t.name for t in self.tasks
                    if t.state in states.INCOMPLETE and t.name != spec.name}
            live.update(c.task_name for c in self.queue
                        if isinstance(c, commands.RunTask))
            reachable = direct.reachable_tasks(self.spec, live, spec.name)
            status = direct.join_status(spec, inbound, reachable)
        if status == direct.JOIN_WAITING:
            task.state_info = \
                f'Blocked by tasks: {direct.blocking_tasks(inbound)}'
        elif status == direct.JOIN_FAILED:
            dead = direct.dead_inbound(inbound, reachable)
            self._complete(task, states.ERROR, f'Failed by tasks: {dead}')
        else:
            task.in_context = data_flow.merge_contexts(
                [self._outbound(self.latest(n)) for n, s in inbound.items()
                 if s and s.fired], by_version=True)
            self._set(task, states.RUNNING)
            self._start(task)

    # -- starting ----------------------------------------------------------------

    def _start(self, task: SimTask) -> None:
        spec = self.spec.task(task.name)
        try:
            start = policies.before_start(
                spec.policies, self._data(task, task.in_context),
                task.runtime)
        except exc.MistralError as e:
            self._force_fail(task, str(e))
            return
        if start.pause:
            self._set(task, states.IDLE, policies.PAUSE_BEFORE_INFO)
            self._set_wf(states.PAUSED)
            return
        if start.delay > 0:
            task.runtime['wait_before_done'] = True
            self._set(task, states.RUNNING_DELAYED,
                      policies.wait_before_info(start.delay))
            self.timers.schedule('run_delayed', start.delay, (task,))
            return
        if task.state != states.RUNNING:
            self._set(task, states.RUNNING)
        if start.timeout > 0:
            self.timers.schedule('timeout', start.timeout,
                                 (task, start.timeout))
        self._dispatch(task)

    def _dispatch(self, task: SimTask) -> None:
        spec = self.spec.task(task.name)
        try:
            if 'with-items' not in spec.policies:
                self._run_action(task, None)
                return
            data = self._data(task, task.in_context)
            values = with_items.items(spec.policies['with-items'], data)
            limit = with_items.concurrency(expressions.evaluate(
                spec.policies.get('concurrency'), data))
        except exc.MistralError as e:
            # As in the engine: a task that can not start its work fails
            # the whole workflow.
            self._force_fail(task, str(e))
            return
        if not values:
            self._complete(task, states.SUCCESS, None, [])
            return
        task.runtime['with_items'] = {'count': len(values), 'started': 0,
                                      'done': 0, 'failed': 0,
                                      'limit': limit, 'results': {},
                                      'items': values}
        self._start_items(task)

    def _start_items(self, task: SimTask) -> None:
        p = task.runtime['with_items']
        try:
            while p['started'] < p['count'] and (
                    not p['limit'] or p['started'] - p['done'] < p['limit']):
                index = p['started']
                p['started'] += 1
                self._run_action(task, index)
        except exc.MistralError as e:
            self._force_fail(task, str(e))

    def _run_action(self, task: SimTask, index: int | None) -> None:
        if self.perform is not None:
            outcome = self._perform(task, index)
        else:
            runs = self.script.get(task.name)
            outcome = runs.pop(0) if runs else ok()
        self.actions[task.name] = self.actions.get(task.name, 0) + 1
        task.actions.append(outcome)
        payload = (task, task.attempt, index, outcome)
        if outcome.after > 0:
            self.timers.schedule('result', outcome.after, payload)
        else:
            self.inline.append(payload)

    def _perform(self, task: SimTask, index: int | None) -> Outcome:
        """The action's name and input evaluated as the engine does, then
        played by `perform`."""
        spec = self.spec.task(task.name)
        item = {} if index is None else \
            task.runtime['with_items']['items'][index]
        data = self._data(task, {**task.in_context, **item})
        name = spec.action
        if expressions.has_expressions(name):
            name = str(expressions.evaluate(name, data))
        params = expressions.evaluate_recursively(spec.input, data)
        if not isinstance(params, dict):
            raise exc.InputError(
                f"Task '{spec.name}' input must be a dictionary, got "
                f'{type(params).__name__}')
        return self.perform(name, params)

    # -- timers ------------------------------------------------------------------

    def _on_result(self, task: SimTask, attempt: int, index: int | None,
                   outcome: Outcome) -> None:
        if task.state != states.RUNNING or attempt != task.attempt:
            return   # late: the task timed out or was retried meanwhile
        if index is None:
            value = outcome.result
            info = None if outcome.state == states.SUCCESS else cut(
                value if isinstance(value, str) else jsonutils.dumps(value))
            self._complete(task, outcome.state, info, outcome.result)
            return
        p = task.runtime['with_items']
        p['results'][index] = outcome.result
        p['done'] += 1
        p['failed'] += outcome.state != states.SUCCESS
        if p['done'] < p['count']:
            self._start_items(task)
            return
        result = [p['results'][i] for i in range(p['count'])]
        if p['failed']:
            self._complete(task, states.ERROR,
                           'One or more actions had failed.', result)
        else:
            self._complete(task, states.SUCCESS, None, result)

    def _on_timeout(self, task: SimTask, timeout: float) -> None:
        if task.state == states.RUNNING:
            task.runtime['timed_out'] = True
            self._complete(task, states.ERROR,
                           policies.timeout_info(timeout))

    def _on_run_delayed(self, task: SimTask) -> None:
        if task.state == states.RUNNING_DELAYED and \
                'saved_state' not in task.runtime:
            self._start(task)

    def _on_complete_delayed(self, task: SimTask) -> None:
        self._complete(task, task.runtime['saved_state'],
                       task.runtime.get('saved_state_info'), task.result,
                       apply_policies=False)

    # -- completion ----------------------------------------------------------------

    def _complete(self, task: SimTask, state: str, info: str | None,
                  result: Any = None, apply_policies: bool = True) -> None:
        spec = self.spec.task(task.name)
        data = self._data(task, task.in_context, result)
        if apply_policies and spec.policies:
            try:
                finish = policies.after_complete(spec.policies, state, info,
                                                 data, task.runtime)
            except exc.MistralError as e:
                finish = policies.Finish(states.ERROR, str(e))
            state, info = finish.state, finish.state_info
            if finish.retry_delay is not None:
                self._retry(task, finish.retry_delay)
                return
            if finish.wait_after > 0:
                task.runtime.update(wait_after_done=True, saved_state=state,
                                    saved_state_info=info)
                self._set(task, states.RUNNING_DELAYED,
                          policies.wait_after_info(finish.wait_after))
                self.timers.schedule('complete_delayed', finish.wait_after,
                                     (task,))
                return
        self._set(task, state, info)
        task.finished = next(self._finish_seq)
        branch, glob = direct.publish_for(spec, state)
        try:
            published = data_flow.evaluate_publish(branch, data)
            published_global = data_flow.evaluate_publish(glob, data)
        except exc.MistralError as e:
            if state == states.ERROR:
                published, published_global = {}, {}
            else:
                self._complete(task, states.ERROR, cut(str(e)), result)
                return
        task.published = published
        if published:
            task.version = next(self._versions)
        if 'keep-result' in spec.policies:
            self._keep_result(task, spec, data)
        self.context.update(published_global)
        outbound = self._outbound(task)
        try:
            if self.spec.type == 'reverse':
                outcome = self._reverse_transitions(task, state, outbound)
            else:
                outcome = direct.transitions(
                    self.spec, task.name, task.id, state, outbound,
                    self._data(task, outbound))
        except exc.MistralError as e:
            if state != states.ERROR:
                self._complete(task, states.ERROR, cut(str(e)), result)
                return
            outcome = direct.Transitions((), ())
            task.state_info = cut(f'{info}; {e}')
        task.has_next = any(isinstance(c, commands.RunTask)
                            for c in outcome.commands)
        task.next_tasks = outcome.next_tasks
        task.error_handled = (state == states.ERROR and
                              direct.is_error_handled(outcome))
        task.processed = True
        self.queue.extend(outcome.commands)
        fired = {name for name, _ in outcome.next_tasks}
        for name in sorted(spec.next_task_names() - fired):
            if self.spec.task(name).join is not None:
                self.queue.append(commands.RunTask(name, {}))

    def _keep_result(self, task: SimTask, spec, data: dict) -> None:
        """keep-result: false drops the result once published."""
        try:
            keep = expressions.evaluate(spec.policies['keep-result'], data)
        except exc.MistralError:
            return
        if keep is False or str(keep).lower() == 'false':
            task.result = None

    def _force_fail(self, task: SimTask, error: str) -> None:
        """A task that could not start its work fails the workflow, with
        no transitions or retries (as in the engine)."""
        self._set(task, states.ERROR, cut(error))
        task.finished = next(self._finish_seq)
        task.processed = True
        if self.state not in states.TERMINAL:
            self._fail(f'Failed to run task [error={error}, '
                       f'wf={self.spec.name}, task={task.name}]')

    def _retry(self, task: SimTask, delay: float) -> None:
        retry = task.runtime.setdefault('retry_task_policy', {})
        retry['retry_no'] = retry.get('retry_no', 0) + 1
        task.runtime.pop('with_items', None)
        task.attempt += 1
        if delay > 0:
            self._set(task, states.RUNNING_DELAYED,
                      policies.retry_info(delay))
            self.timers.schedule('run_delayed', delay, (task,))
        else:
            self._set(task, states.RUNNING)
            self._dispatch(task)

    def _reverse_transitions(self, task: SimTask, state: str,
                             outbound: dict) -> direct.Transitions:
        if state != states.SUCCESS:
            return direct.Transitions((), ())
        succeeded = {t.name for t in self.tasks
                     if t.state == states.SUCCESS}
        ready = reverse.ready_after(self.spec, self.task_name, task.name,
                                    succeeded, {t.name for t in self.tasks})
        cmds = tuple(commands.RunTask(name, data_flow.merge_contexts(
            [self._outbound(t) for t in self.tasks
             if t.name in self.spec.task(name).requires], by_version=True))
            for name in ready)
        return direct.Transitions(cmds, tuple((c.task_name, 'on-success')
                                              for c in cmds))

    def _outbound(self, task: SimTask) -> dict:
        return data_flow.outbound_context(task.in_context, task.published,
                                          version=task.version)

    def _open(self) -> bool:
        return any(t.state in states.INCOMPLETE - {states.WAITING}
                   for t in self.tasks)

    def _finish(self) -> None:
        for task in [t for t in self.tasks if t.state == states.WAITING]:
            self._complete(task, states.ERROR,
                           task.state_info or 'Join can not be satisfied')
        if self.inline or self.queue or self._open():
            return
        if any(t.state == states.ERROR and not t.error_handled
               for t in self.tasks):
            self._fail(self._failure_summary())
        else:
            self._succeed()

    def _final_context(self) -> dict:
        """Merge of the outbound contexts of the tasks that ended branches,
        in the order they completed."""
        return data_flow.merge_contexts(
            [self._outbound(t) for t in sorted(
                (t for t in self.tasks if not t.has_next and
                 t.state in states.COMPLETED), key=lambda t: t.finished)],
            by_version=True)

    def _succeed(self, message: str | None = None) -> None:
        final = self._final_context()
        try:
            if self.spec.output:
                output = expressions.evaluate_recursively(
                    self.spec.output, self._wf_data(final))
            else:
                output = data_flow.strip_internal(final)
        except exc.MistralError as e:
            self._fail(str(e))
            return
        self.output = output
        self._set_wf(states.SUCCESS, message)

    def _fail(self, message: str | None) -> None:
        output: dict = {'result': message}
        if self.spec.output_on_error:
            try:
                output.update(expressions.evaluate_recursively(
                    self.spec.output_on_error,
                    self._wf_data(self._final_context())))
            except exc.MistralError as e:
                message = f'{message}\n{e}' if message else str(e)
                output['result'] = message
        self.output = output
        self._set_wf(states.ERROR, message)

    def _failure_summary(self) -> str:
        """The engine's message, with simulated ids."""
        failed = [t for t in self.tasks
                  if t.state == states.ERROR and not t.error_handled]
        blocks = []
        for t in failed:
            lines = [f'  {t.name} [task_ex_id={t.id}] -> {t.state_info}']
            errors = [o for o in t.actions if o.state == states.ERROR]
            for i, o in enumerate(errors):
                lines.append(f'    [action_ex_id={t.id}.{i}, idx={i}]: '
                             f'{o.result}')
            blocks.append('\n'.join(lines))
        header = ('Failure caused by error in tasks: '
                  + ', '.join(t.name for t in failed))
        return cut(header + '\n\n' + '\n\n'.join(blocks) + '\n')

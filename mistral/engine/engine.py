"""The engine service: every workflow event is one transaction.

RPC methods (called by the API and the executors) lock the workflow
execution row, apply the event through `WorkflowRun`, commit, and only then
send the outbox messages the event produced.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.db.store import Store
from mistral.engine import heartbeats, launch, standalone
from mistral.engine import outbox as outbox_mod
from mistral.engine.workflow_run import (EngineSettings, WorkflowRun,
                                         lock_execution)
from mistral.lang import parser
from mistral.notifiers.engine_hook import EngineNotifications
from mistral.rpc.base import Transport
from mistral.scheduler import jobs
from mistral.services import maintenance
from mistral.workflow import states

LOG = logging.getLogger(__name__)

# Jobs that carry an event from one execution to another (see run_job).
_EXECUTION_JOBS = frozenset({'on_workflow_complete', 'on_subworkflow_state',
                             'pause_workflow', 'resume_workflow',
                             'cancel_workflow'})
_CANCELLED_INFO = 'Cancelled with its parent execution'


class Engine:
    def __init__(self, store: Store, transport: Transport,
                 settings: EngineSettings,
                 outbox_resend_after: float = 30.0,
                 heartbeat_settings: heartbeats.HeartbeatSettings =
                 heartbeats.HeartbeatSettings(),
                 notifications: EngineNotifications | None = None) -> None:
        self.notifications = notifications or EngineNotifications()
        self.store = store
        self.transport = transport
        self.settings = settings
        self._resend_after = outbox_resend_after
        self._heartbeats = heartbeat_settings
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.scheduler = jobs.Scheduler(store, self.run_job)

    # -- lifecycle -----------------------------------------------------------

    def start_background(self) -> None:
        """Periodic work: resend outbox messages left behind by processes
        that died, and fail or re-run actions lost with their executor."""
        period = max(self._resend_after / 3, 1.0)
        if self._heartbeats.interval > 0:
            period = min(period, self._heartbeats.interval)

        def loop() -> None:
            while not self._stop.wait(period):
                for check in (self._resend_outbox, self._check_heartbeats):
                    try:
                        check()
                    except Exception:
                        LOG.exception('Background check %s failed',
                                      check.__name__)
        self._sweeper = threading.Thread(target=loop, name='engine-checks',
                                         daemon=True)
        self._sweeper.start()
        self.scheduler.start()

    def _resend_outbox(self) -> None:
        outbox_mod.resend_stale(self.store, self.transport,
                                self._resend_after)

    def _check_heartbeats(self) -> None:
        if self._heartbeats.interval <= 0:
            return
        with self.store.read() as session:
            lost = heartbeats.find_lost(session, self._heartbeats)
        for action_ex_id in lost:
            LOG.warning('Action execution %s lost its executor',
                        action_ex_id)
            self.on_action_lost(action_ex_id)

    def stop_background(self) -> None:
        self._stop.set()
        self.notifications.stop()
        self.scheduler.stop()
        if self._sweeper:
            self._sweeper.join(timeout=5)

    # -- plumbing ------------------------------------------------------------

    def _in_transaction(self, func: Callable[..., Any], *args) -> Any:
        """Run func(session, outbox, *args); send its messages after commit."""
        boxes: list[outbox_mod.Outbox] = []

        def tx(session: Session) -> Any:
            box = outbox_mod.Outbox(session)
            boxes[:] = [box]  # only the attempt that commits counts
            result = func(session, box, *args)
            self.notifications.in_transaction(session, box)
            return result

        result = self.store.run_in_transaction(tx)
        box = boxes[0]
        outbox_mod.send(self.store, self.transport, box.messages)
        self.notifications.after_commit(box)
        if box.wakeups:
            self.scheduler.wake(min(box.wakeups))
        return result

    def _run(self, session: Session, box: outbox_mod.Outbox,
             wf_ex: models.WorkflowExecution) -> WorkflowRun:
        raw = {k: v for k, v in wf_ex.spec.items()
               if k not in ('name', 'version')}
        spec = parser.spec_from_stored(wf_ex.spec['name'], raw)
        return WorkflowRun(session, wf_ex, spec, self.settings, box)

    # -- RPC methods -----------------------------------------------------------

    def start_workflow(self, workflow_id: str, execution_id: str,
                       wf_input: dict, params: dict,
                       description: str | None, project_id: str,
                       source_execution_id: str | None = None,
                       security: dict | None = None) -> dict:
        """Create and start an execution of a stored workflow definition;
        `security` is the authenticated caller (RequestContext wire
        form), if any."""
        def tx(session: Session, box: outbox_mod.Outbox) -> dict:
            existing = session.get(models.WorkflowExecution, execution_id)
            if existing is not None:
                return {'id': existing.id, 'created': False,
                        'execution': models.execution_to_wire(existing)}
            definition = session.get(models.WorkflowDefinition, workflow_id)
            if definition is None:
                raise exc.NotFoundError('Workflow', id=workflow_id)
            wf_ex, spec = launch.new_execution(
                session, definition, wf_input,
                self.notifications.prepare_params(params), description,
                project_id, execution_id=execution_id, security=security)
            wf_ex.source_execution_id = source_execution_id
            run = WorkflowRun(session, wf_ex, spec, self.settings, box)
            run.check_size('WorkflowExecution', 'input', wf_ex.input)
            run.start()
            return {'id': wf_ex.id, 'created': True,
                    'execution': models.execution_to_wire(wf_ex)}

        return self._in_transaction(tx)

    def on_action_complete(self, action_ex_id: str, result: dict) -> None:
        """Record an action's result; idempotent per action execution."""
        def tx(session: Session, box: outbox_mod.Outbox) -> None:
            wf_ex_id = session.scalar(
                sa.select(models.ActionExecution.workflow_execution_id)
                .where(models.ActionExecution.id == action_ex_id))
            if wf_ex_id is None:
                self._complete_standalone(session, action_ex_id, result)
                return
            wf_ex = lock_execution(session, wf_ex_id)
            action_ex = session.scalars(
                sa.select(models.ActionExecution)
                .where(models.ActionExecution.id == action_ex_id)
                .execution_options(populate_existing=True)).one()
            self._run(session, box, wf_ex).on_action_complete(action_ex,
                                                              result)

        self._in_transaction(tx)

    @staticmethod
    def _complete_standalone(session: Session, action_ex_id: str,
                             result: dict) -> None:
        action_ex = session.scalars(
            sa.select(models.ActionExecution)
            .where(models.ActionExecution.id == action_ex_id)
            .with_for_update()
            .execution_options(populate_existing=True)).first()
        if action_ex is None:
            LOG.warning('Result for unknown action execution %s',
                        action_ex_id)
        elif not standalone.apply_result(action_ex, result):
            LOG.info('Ignoring duplicate result of action execution %s',
                     action_ex_id)

    def start_action(self, action_name: str, action_input: dict,
                     description: str | None, namespace: str,
                     params: dict, project_id: str) -> dict:
        """Run an action outside any workflow; see POST
        /v2/action_executions for the meaning of `params`."""
        save = bool(params.get('save_result'))
        target = params.get('target')
        timeout = params.get('timeout')

        def create(session: Session, box: outbox_mod.Outbox):
            action_ex, resolved = standalone.new_action_execution(
                session, action_name, action_input or {}, description,
                namespace or '', project_id, target, save)
            run_sync = params.get('run_sync')
            if run_sync is None:
                run_sync = action_ex.is_sync and not save
            if run_sync and not action_ex.is_sync:
                raise exc.InputError('Action does not support synchronous '
                                     'execution.')
            if save and not run_sync:
                box.add(self.settings.executor_topic, 'run_action', {
                    'action_ex_id': action_ex.id,
                    'action_name': resolved.system_name,
                    'params': resolved.params,
                    'execution_context': {
                        'action_execution_id': action_ex.id,
                        'project_id': project_id,
                        'action_source': resolved.source},
                    'timeout': float(timeout) if timeout else None},
                    server=target)
            return action_ex, resolved, run_sync

        action_ex, resolved, run_sync = self._in_transaction(create)
        if run_sync:
            result = self.transport.call(
                self.settings.executor_topic, 'run_action_sync',
                {'action_name': resolved.system_name,
                 'params': resolved.params,
                 'execution_context': {'action_execution_id': action_ex.id,
                                       'project_id': project_id,
                                       'action_source': resolved.source},
                 'timeout': float(timeout) if timeout else None},
                server=target,
                # The executor answers with a timeout error at the deadline.
                timeout=float(timeout) + 10 if timeout else 60.0)
            if save:
                self._in_transaction(
                    lambda s, b: self._complete_standalone(
                        s, action_ex.id, result))
            else:
                standalone.apply_result(action_ex, result)
        if save:
            with self.store.read() as session:
                action_ex = session.get(models.ActionExecution, action_ex.id)
        return _action_dict(action_ex, saved=save)

    def update_action(self, action_ex_id: str, state: str,
                      output=None) -> None:
        """PUT /v2/action_executions/<id>: finish an asynchronous action,
        or mark it PAUSED / RUNNING."""
        if state == states.SUCCESS:
            self.on_action_complete(action_ex_id, {'data': output})
        elif state == states.ERROR:
            self.on_action_complete(action_ex_id,
                                    {'error': output or 'Unknown error'})
        elif state == states.CANCELLED:
            self.on_action_complete(action_ex_id, {'cancel': True})
        else:
            def tx(session: Session, box: outbox_mod.Outbox) -> None:
                action_ex = session.get(models.ActionExecution, action_ex_id)
                if action_ex is None:
                    raise exc.NotFoundError('ActionExecution',
                                            id=action_ex_id)
                if action_ex.state in states.COMPLETED:
                    raise exc.InputError(
                        f'Action execution {action_ex_id} has already '
                        f'ended in state {action_ex.state}.')
                action_ex.state = state
            self._in_transaction(tx)

    def claim_action(self, action_ex_id: str, claim_id: str) -> bool:
        """An executor asks before it runs an action: True for the first
        delivery of the message to ask, False for a duplicate delivery."""
        return self.store.run_in_transaction(heartbeats.claim, action_ex_id,
                                             claim_id)

    def report_running_actions(self, action_ex_ids: list[str],
                               executor_host: str | None = None) -> None:
        """Heartbeats from an executor: for its running actions, and that
        it is alive (so tasks may target it)."""
        if action_ex_ids:
            self.store.run_in_transaction(heartbeats.record, action_ex_ids)
        if executor_host:
            try:
                self.store.run_in_transaction(heartbeats.record_executor,
                                              executor_host)
            except sa_exc.IntegrityError:
                pass  # another engine recorded it at the same moment

    def on_action_lost(self, action_ex_id: str) -> None:
        """The executor of a running action died: run it again elsewhere
        if its task is `safe-rerun`, else fail it with a clear message."""
        def tx(session: Session, box: outbox_mod.Outbox) -> None:
            wf_ex_id = session.scalar(
                sa.select(models.ActionExecution.workflow_execution_id)
                .where(models.ActionExecution.id == action_ex_id))
            if wf_ex_id is None:
                self._complete_standalone(
                    session, action_ex_id,
                    {'error': heartbeats.lost_message(action_ex_id)})
                return
            wf_ex = lock_execution(session, wf_ex_id)
            action_ex = session.get(models.ActionExecution, action_ex_id,
                                    populate_existing=True)
            if action_ex.state != states.RUNNING:
                return
            self._run(session, box, wf_ex).on_action_lost(action_ex)

        self._in_transaction(tx)

    def on_workflow_complete(self, wf_ex_id: str) -> None:
        """A sub-workflow ended: let its parent task go on."""
        self._in_transaction(self._workflow_complete, wf_ex_id)

    @staticmethod
    def _parent_of(session: Session, wf_ex_id: str
                   ) -> tuple[models.WorkflowExecution | None,
                              models.WorkflowExecution | None]:
        """The sub-workflow execution and its parent, the parent locked."""
        child = session.get(models.WorkflowExecution, wf_ex_id)
        if child is None or child.task_execution_id is None:
            return None, None
        parent_id = session.scalar(
            sa.select(models.TaskExecution.workflow_execution_id).where(
                models.TaskExecution.id == child.task_execution_id))
        if parent_id is None:
            return None, None
        parent = lock_execution(session, parent_id)
        session.refresh(child)
        return child, parent

    def _workflow_complete(self, session: Session, box: outbox_mod.Outbox,
                           wf_ex_id: str) -> None:
        child, parent = self._parent_of(session, wf_ex_id)
        if parent is not None:
            self._run(session, box, parent).on_subworkflow_complete(child)

    def _subworkflow_state(self, session: Session, box: outbox_mod.Outbox,
                           wf_ex_id: str) -> None:
        child, parent = self._parent_of(session, wf_ex_id)
        if parent is not None:
            self._run(session, box, parent).on_subworkflow_state(child)

    def run_job(self, func_name: str, args: dict, job_id: str) -> None:
        """Run a due scheduled job; the job row is deleted in the same
        transaction, so the work happens once."""
        if func_name in _EXECUTION_JOBS:
            self._run_execution_job(func_name, args, job_id)
            return
        if func_name in maintenance.JOBS:
            maintenance.run_job(self, func_name, job_id)
            return
        handlers = {
            'run_delayed_task': WorkflowRun.run_delayed_task,
            'complete_delayed_task': WorkflowRun.complete_delayed_task,
            'timeout_task': WorkflowRun.timeout_task,
        }
        handler = handlers.get(func_name)

        def tx(session: Session, box: outbox_mod.Outbox) -> None:
            if handler is None:
                LOG.error('Dropping job %s with unknown function %s',
                          job_id, func_name)
                jobs.delete(session, job_id)
                return
            task_ex = session.get(models.TaskExecution, args['task_ex_id'])
            if task_ex is None:
                jobs.delete(session, job_id)
                return
            wf_ex = lock_execution(session, task_ex.workflow_execution_id)
            if not jobs.delete(session, job_id):
                return  # another engine did it
            session.refresh(task_ex)
            extra = {k: v for k, v in args.items() if k != 'task_ex_id'}
            done = handler(self._run(session, box, wf_ex), task_ex, **extra)
            if not done:  # the workflow is paused: look again later
                box.schedule(func_name, args, 1.0)

        self._in_transaction(tx)

    def _run_execution_job(self, func_name: str, args: dict,
                           job_id: str) -> None:
        """An event one execution sends another (a sub-workflow ended,
        pause/resume/cancel travelling up or down the tree)."""
        work = {
            'on_workflow_complete': self._workflow_complete,
            'on_subworkflow_state': self._subworkflow_state,
            'pause_workflow': lambda session, box, execution_id:
                self._change_state_in(session, box, execution_id,
                                      WorkflowRun.pause),
            'resume_workflow': lambda session, box, execution_id:
                self._change_state_in(session, box, execution_id,
                                      WorkflowRun.resume),
            'cancel_workflow': lambda session, box, execution_id:
                self._change_state_in(
                    session, box, execution_id,
                    lambda run: run.stop(states.CANCELLED, _CANCELLED_INFO)),
        }[func_name]

        def tx(session: Session, box: outbox_mod.Outbox) -> None:
            # Deleting first also makes a second engine that claimed the
            # same stale job wait here, then find nothing to do.
            if jobs.delete(session, job_id):
                work(session, box, **args)

        try:
            self._in_transaction(tx)
        except exc.MistralError as e:
            # Not applicable any more (say the child already ended): the
            # job is done; retrying it would fail the same way.
            LOG.warning('Job %s %s not applied: %s', func_name, args, e)
            self.store.run_in_transaction(
                lambda session: jobs.delete(session, job_id))

    def _change_state(self, execution_id: str,
                      change: Callable[[WorkflowRun], None]) -> dict:
        return self._in_transaction(self._change_state_in, execution_id,
                                    change)

    def _change_state_in(self, session: Session, box: outbox_mod.Outbox,
                         execution_id: str,
                         change: Callable[[WorkflowRun], None]) -> dict:
        wf_ex = lock_execution(session, execution_id)
        if wf_ex is None:
            raise exc.NotFoundError('WorkflowExecution', id=execution_id)
        change(self._run(session, box, wf_ex))
        return {'id': wf_ex.id, 'state': wf_ex.state}

    def _change_task(self, task_ex_id: str,
                     change: Callable[[WorkflowRun, models.TaskExecution],
                                      None]) -> dict:
        def tx(session: Session, box: outbox_mod.Outbox) -> dict:
            wf_ex_id = session.scalar(
                sa.select(models.TaskExecution.workflow_execution_id)
                .where(models.TaskExecution.id == task_ex_id))
            if wf_ex_id is None:
                raise exc.NotFoundError('TaskExecution', id=task_ex_id)
            wf_ex = lock_execution(session, wf_ex_id)
            task_ex = session.get(models.TaskExecution, task_ex_id,
                                  populate_existing=True)
            change(self._run(session, box, wf_ex), task_ex)
            return {'id': task_ex.id, 'state': task_ex.state}

        return self._in_transaction(tx)

    def rerun_task(self, task_ex_id: str, reset: bool = True,
                   env: dict | None = None) -> dict:
        return self._change_task(
            task_ex_id, lambda run, t: run.rerun_task(t, reset, env))

    def skip_task(self, task_ex_id: str) -> dict:
        return self._change_task(task_ex_id, WorkflowRun.skip_task)

    def on_subworkflow_state(self, wf_ex_id: str) -> None:
        """A sub-workflow was paused or resumed: let its parent follow."""
        self._in_transaction(self._subworkflow_state, wf_ex_id)

    def pause_workflow(self, execution_id: str) -> dict:
        return self._change_state(execution_id, WorkflowRun.pause)

    def resume_workflow(self, execution_id: str,
                        env: dict | None = None) -> dict:
        def resume(run: WorkflowRun) -> None:
            if env:
                params = dict(run.wf_ex.params or {})
                params['env'] = {**(params.get('env') or {}), **env}
                run.wf_ex.params = params
            run.resume()
        return self._change_state(execution_id, resume)

    def stop_workflow(self, execution_id: str, state: str,
                      message: str | None = None) -> dict:
        return self._change_state(
            execution_id, lambda run: run.stop(state, message))


def _action_dict(action_ex: models.ActionExecution, saved: bool) -> dict:
    """What the API needs to answer a standalone run."""
    return {
        'id': action_ex.id if saved else None,
        'name': action_ex.name,
        'workflow_name': None,
        'task_name': None,
        'task_execution_id': None,
        'tags': [],
        'description': action_ex.description,
        'workflow_namespace': action_ex.workflow_namespace,
        'state': action_ex.state,
        'state_info': action_ex.state_info,
        'input': action_ex.input,
        'output': action_ex.output,
        'params': action_ex.params,
        'accepted': action_ex.accepted,
        'project_id': action_ex.project_id,
        'created_at': _ts(action_ex.created_at),
        'updated_at': _ts(action_ex.updated_at),
    }


def _ts(value) -> str | None:
    return value.strftime('%Y-%m-%d %H:%M:%S') if value else None

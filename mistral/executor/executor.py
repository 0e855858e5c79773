"""The executor service: runs actions and reports their results.

Results go back to the engines with `on_action_complete`, which is
idempotent, so a message delivered twice does no harm.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

from mistral_lib import actions as lib_actions
from mistral_lib.actions import context as lib_context

from mistral import exceptions as exc
from mistral.actions import registry
from mistral.context import RequestContext
from mistral.executor import runners
from mistral.rpc.base import Transport
from mistral.utils import jsonutils

LOG = logging.getLogger(__name__)

# How long one report of a result waits for the engine's answer, at first
# and at most (the wait doubles with each try).
REPORT_FIRST_TIMEOUT_S = 5.0
REPORT_MAX_TIMEOUT_S = 60.0


def action_context(execution_context: dict) -> lib_context.ActionContext:
    execution = lib_context.ExecutionContext(
        workflow_execution_id=execution_context.get('workflow_execution_id'),
        task_execution_id=execution_context.get('task_execution_id'),
        action_execution_id=execution_context.get('action_execution_id'),
        workflow_name=execution_context.get('workflow_name'),
    )
    return lib_context.ActionContext(
        security_context(execution_context), execution)


def security_context(execution_context: dict
                     ) -> lib_context.SecurityContext:
    """Who the action acts for: the authenticated caller that started
    the workflow, or, with X-Target-* headers, the target cloud."""
    stored = execution_context.get('security')
    if not stored:
        return lib_context.SecurityContext(
            project_id=execution_context.get('project_id'))
    ctx = RequestContext.from_wire(stored)
    if ctx.target is not None:
        target = ctx.target
        return lib_context.SecurityContext(
            auth_uri=target.auth_uri, auth_token=target.auth_token,
            insecure=target.insecure,
            service_catalog=target.service_catalog,
            region_name=target.region_name, is_target=True,
            is_trust_scoped=False, project_id=target.project_id,
            user_name=target.user_name)
    return lib_context.SecurityContext(
        auth_uri=ctx.auth_uri, auth_token=ctx.auth_token,
        service_catalog=ctx.service_catalog, region_name=ctx.region_name,
        is_target=False, is_trust_scoped=False, project_id=ctx.project_id,
        project_name=ctx.project_name, user_name=ctx.user_name)


def run_action(action_name: str, params: dict,
               execution_context: dict) -> dict | None:
    """Run one action and return its result as {data|error|cancel}, or
    None for an asynchronous action: its result arrives later through
    PUT /v2/action_executions/<id>."""
    try:
        # A dynamic action carries its code (see actions.dynamic).
        action = registry.lookup(
            action_name, execution_context.get('action_source')
        ).instantiate(params)
    except exc.MistralError as e:
        return {'error': str(e)}
    try:
        value: Any = action.run(action_context(execution_context))
    except Exception as e:
        LOG.info('Action %s failed: %s', action_name, e)
        return {'error': (
            f'The action raised an exception [action={action_name}, '
            f"action_ex_id={execution_context.get('action_execution_id')}, "
            f"msg='{e}']")}
    if not _is_sync(action) and not (isinstance(value, lib_actions.Result)
                                     and not value.is_success()):
        return None
    if isinstance(value, lib_actions.Result):
        if value.is_cancel():
            return {'cancel': True}
        if value.is_error():
            return {'error': _json_safe(value.error)}
        return {'data': _json_safe(value.data)}
    return {'data': _json_safe(value)}


def _is_sync(action: Any) -> bool:
    is_sync = getattr(action, 'is_sync', None)
    return bool(is_sync()) if callable(is_sync) else True


def is_sync_action(action_name: str, source: dict | None = None) -> bool:
    """Whether the action class says it completes when run() returns."""
    cls = registry.lookup(action_name, source).cls
    is_sync = getattr(cls, 'is_sync', None)
    if not callable(is_sync):
        return True
    try:
        return bool(is_sync(cls.__new__(cls)))
    except Exception:
        return True


def _json_safe(value: Any) -> Any:
    """Results travel as JSON; anything else becomes its string form."""
    return json.loads(jsonutils.dumps(value))


class Executor:
    def __init__(self, transport: Transport, engine_topic: str,
                 report_for_s: float = 3600.0,
                 heartbeat_interval: float = 20.0,
                 host: str | None = None,
                 action_runner: str = runners.THREAD) -> None:
        self.transport = transport
        self._runner = runners.runner(action_runner)
        self.engine_topic = engine_topic
        self._report_for_s = report_for_s
        self._heartbeat_interval = heartbeat_interval
        self._host = host
        self._stopped = threading.Event()
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def start_heartbeats(self) -> None:
        """Tell the engines, every interval, which actions are running
        here, so an action lost with a dead executor is noticed."""
        threading.Thread(target=self._heartbeats, name='heartbeats',
                         daemon=True).start()

    def _heartbeats(self) -> None:
        # The first one at once: it also tells the engines this executor
        # (its host name, for task targets) is alive.
        while True:
            with self._lock:
                running = sorted(self._running)
            try:
                self.transport.cast(self.engine_topic,
                                    'report_running_actions',
                                    {'action_ex_ids': running,
                                     'executor_host': self._host})
            except Exception as e:
                LOG.warning('Heartbeat not sent: %s', e)
            if self._stopped.wait(self._heartbeat_interval):
                return

    def stop(self) -> None:
        """Stop retrying result reports; the process is going away."""
        self._stopped.set()

    def run_action(self, action_ex_id: str, action_name: str, params: dict,
                   execution_context: dict,
                   timeout: float | None = None) -> None:
        """Run an action and report its result. `timeout`: seconds after
        which the action is stopped (see runners) and reported failed.

        A message may arrive twice (resent after a crash between sending
        it and recording that it was sent), so the executor first claims
        the action from an engine and runs it only if it was the first.
        """
        # One id per delivery: a retried claim (its answer lost) is the
        # same claim; a second delivery of the message is not.
        claim = {'action_ex_id': action_ex_id, 'claim_id': str(uuid.uuid4())}
        if not self._engine_call('claim_action', claim, False):
            LOG.info('Not running action execution %s: already taken by '
                     'an executor, or no longer running', action_ex_id)
            return
        result = self.run_action_sync(action_name, params,
                                      execution_context, timeout,
                                      action_ex_id)
        if result is not None:
            self._engine_call('on_action_complete',
                              {'action_ex_id': action_ex_id,
                               'result': result}, None)

    def run_action_sync(self, action_name: str, params: dict,
                        execution_context: dict,
                        timeout: float | None = None,
                        action_ex_id: str | None = None) -> dict | None:
        """Run an action and answer with its result (standalone runs)."""
        action_ex_id = action_ex_id or execution_context.get(
            'action_execution_id')
        with self._lock:
            self._running.add(action_ex_id)
        try:
            return self._runner(run_action,
                                (action_name, params, execution_context),
                                timeout)
        finally:
            with self._lock:
                self._running.discard(action_ex_id)

    def _engine_call(self, method: str, payload: dict, refused: Any) -> Any:
        """Call an engine and wait until one has committed the answer.

        A `call`, not a `cast`: if the engine dies before committing, the
        call fails and goes again (both calls are idempotent). An engine
        that rejects the call with a Mistral error is not asked again;
        `refused` is then the answer.
        """
        action_ex_id = payload['action_ex_id']
        deadline = time.monotonic() + self._report_for_s
        delay = 0.2
        # The first tries wait briefly: an engine that died holding the call
        # never answers, and the call must reach another engine soon. A
        # busy engine that answers late only gets a harmless duplicate.
        call_timeout = REPORT_FIRST_TIMEOUT_S
        while True:
            try:
                return self.transport.call(self.engine_topic, method,
                                           payload, timeout=call_timeout)
            except Exception as e:  # transport trouble: try again
                if isinstance(e, exc.MistralError) and not isinstance(
                        e, exc.EngineError):
                    LOG.error('Engine rejected %s of %s: %s', method,
                              action_ex_id, e)
                    return refused
                if time.monotonic() > deadline or self._stopped.is_set():
                    LOG.error('Giving up %s of %s: %s', method,
                              action_ex_id, e)
                    return refused
                LOG.warning('%s of %s failed (%s); retrying in %.1fs',
                            method, action_ex_id, e, delay)
                self._stopped.wait(delay)
                delay = min(delay * 2, 30.0)
                call_timeout = min(call_timeout * 2, REPORT_MAX_TIMEOUT_S)

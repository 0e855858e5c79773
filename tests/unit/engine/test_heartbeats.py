"""Actions lost with their executor are noticed through heartbeats."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from mistral.db import migrations, models
from mistral.db.store import Store
from mistral.engine.engine import Engine
from mistral.engine.heartbeats import HeartbeatSettings
from mistral.engine.workflow_run import EngineSettings
from mistral.executor.executor import Executor
from mistral.rpc.inprocess import InProcessTransport
from mistral.workflow import states

from tests.server import wait_until
from tests.unit.engine.conftest import Services


class DyingExecutor(Executor):
    """Receives the first `lose` actions and never runs them, like an
    executor killed right after taking the message."""

    def __init__(self, *args, lose: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lost = 0
        self._lose = lose

    def run_action(self, action_ex_id, *args, **kwargs):
        if self.lost < self._lose:
            self.lost += 1
            return
        super().run_action(action_ex_id, *args, **kwargs)


@pytest.fixture
def dying(tmp_path):
    url = f'sqlite:///{tmp_path}/hb.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    transport = InProcessTransport()
    engine = Engine(store, transport,
                    EngineSettings(inline_pure_actions=False),
                    heartbeat_settings=HeartbeatSettings(
                        interval=0.2, max_missed=3, first_timeout=1.0))
    executor = DyingExecutor(transport, 'mistral_engine',
                             heartbeat_interval=0.2)
    transport.serve('mistral_engine', 'e', engine, 4)
    transport.serve('mistral_executor', 'x', executor, 4)
    engine.start_background()
    executor.start_heartbeats()
    yield Services(store, transport, engine)
    engine.stop_background()
    executor.stop()
    transport.close()
    store.dispose()


def _actions(services, execution_id):
    with services.store.read() as session:
        return list(session.scalars(sa.select(models.ActionExecution).where(
            models.ActionExecution.workflow_execution_id == execution_id)
            .order_by(models.ActionExecution.created_at)))


def test_lost_action_fails_its_task_with_a_clear_message(dying):
    dying.define("""
version: '2.0'
lost:
  tasks:
    t:
      action: std.echo output=1
""")
    wf_ex = dying.wait(dying.start('lost'), timeout=15)
    assert wf_ex.state == states.ERROR
    task, = dying.tasks(wf_ex.id)
    assert task.state_info.startswith('The action was lost: its executor '
                                      'stopped sending heartbeats')
    assert len(_actions(dying, wf_ex.id)) == 1


def test_lost_safe_rerun_action_runs_again(dying):
    dying.define("""
version: '2.0'
rerun:
  output: {r: <% $.r %>}
  tasks:
    t:
      action: std.echo output=again
      safe-rerun: true
      publish: {r: <% task().result %>}
""")
    wf_ex = dying.wait(dying.start('rerun'), timeout=15)
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': 'again'}
    first, second = _actions(dying, wf_ex.id)
    assert (first.state, first.accepted) == (states.ERROR, False)
    assert (second.state, second.accepted) == (states.SUCCESS, True)


def test_running_actions_keep_their_heartbeat(dying):
    """A slow action on a live executor is not declared lost."""
    dying.define("""
version: '2.0'
slow:
  tasks:
    first:
      action: std.noop
      on-success: slow
    slow:
      action: std.sleep seconds=2
""")
    wf_ex = dying.wait(dying.start('slow'), timeout=15)
    # `first` was swallowed (lost, not safe-rerun): the workflow fails
    # without reaching `slow`, so start another one for the real check.
    assert wf_ex.state == states.ERROR
    ok = dying.wait(dying.start('slow'), timeout=15)
    assert ok.state == states.SUCCESS, ok.state_info
    slow = [a for a in _actions(dying, ok.id) if a.name == 'std.sleep'][0]
    assert slow.last_heartbeat is not None


@pytest.fixture
def targeted(tmp_path):
    url = f'sqlite:///{tmp_path}/target.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    transport = InProcessTransport()
    engine = Engine(store, transport,
                    EngineSettings(inline_pure_actions=False,
                                   executor_alive_s=5.0))
    executor = Executor(transport, 'mistral_engine', heartbeat_interval=0.5,
                        host='exec-a')
    transport.serve('mistral_engine', 'e', engine, 4)
    transport.serve('mistral_executor', 'exec-a', executor, 4)
    executor.start_heartbeats()
    yield Services(store, transport, engine)
    executor.stop()
    transport.close()
    store.dispose()


def test_task_target_runs_on_that_executor_or_fails_clearly(targeted):
    targeted.define("""
version: '2.0'
pinned:
  input: [where]
  output: {r: <% $.r %>}
  tasks:
    t:
      action: std.echo output=pinned
      target: <% $.where %>
      publish: {r: <% task().result %>}
""")
    deadline = time.monotonic() + 5
    while True:  # the executor's first heartbeat registers it
        with targeted.store.read() as session:
            if session.scalar(sa.select(models.MistralMetric.value).where(
                    models.MistralMetric.name == 'executor:exec-a')):
                break
        assert time.monotonic() < deadline, 'executor never registered'
        time.sleep(0.05)
    ok = targeted.wait(targeted.start('pinned', {'where': 'exec-a'}))
    assert ok.state == states.SUCCESS, ok.state_info
    assert ok.output == {'r': 'pinned'}
    lost = targeted.wait(targeted.start('pinned', {'where': 'nowhere'}))
    assert lost.state == states.ERROR
    assert "No executor with host 'nowhere' is running" in lost.state_info


class TwiceExecutor(Executor):
    """Gets every run_action message twice, as after a resend by an engine
    that could not record the first send; counts the runs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.runs: list[str] = []

    def run_action_sync(self, action_name, params, execution_context,
                        timeout=None, action_ex_id=None):
        self.runs.append(action_ex_id)
        return super().run_action_sync(action_name, params,
                                       execution_context, timeout,
                                       action_ex_id)

    def run_action(self, action_ex_id, *args, **kwargs):
        super().run_action(action_ex_id, *args, **kwargs)
        super().run_action(action_ex_id, *args, **kwargs)


def test_a_message_delivered_twice_runs_the_action_once(tmp_path) -> None:
    url = f'sqlite:///{tmp_path}/twice.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    transport = InProcessTransport()
    engine = Engine(store, transport,
                    EngineSettings(inline_pure_actions=False))
    executor = TwiceExecutor(transport, 'mistral_engine')
    transport.serve('mistral_engine', 'e', engine, 4)
    transport.serve('mistral_executor', 'x', executor, 4)
    services = Services(store, transport, engine)
    try:
        services.define("""
version: '2.0'
twice:
  tasks:
    a:
      action: std.echo output=1
      on-success: [b]
    b:
      action: std.echo output=2
""")
        wf_ex = services.wait(services.start('twice'))
        assert wf_ex.state == states.SUCCESS
        with store.read() as session:
            action_ids = set(session.scalars(
                sa.select(models.ActionExecution.id).where(
                    models.ActionExecution.workflow_execution_id ==
                    wf_ex.id)))
        assert len(action_ids) == 2
        # Each action ran once although each message came twice.
        assert sorted(executor.runs) == sorted(action_ids)
        # A finished action can not be claimed again.
        assert engine.claim_action(next(iter(action_ids)), 'x') is False
    finally:
        executor.stop()
        transport.close()
        store.dispose()


def test_a_claim_can_be_retried_but_not_taken_twice(services) -> None:
    services.define("""
version: '2.0'
slow:
  tasks:
    t:
      action: std.async_noop
""")
    ex_id = services.start('slow')
    with services.store.read() as session:
        action_ex = session.scalars(sa.select(models.ActionExecution).where(
            models.ActionExecution.workflow_execution_id == ex_id)).first()
    try:
        # The executor in the fixture claimed it when it started it; a
        # retry of that claim is answered yes, a second delivery no.
        def claimed_by():
            with services.store.read() as session:
                return session.get(models.ActionExecution,
                                   action_ex.id).claimed_by
        first = wait_until(claimed_by, timeout=10,
                           message='the executor to claim the action')
        assert services.engine.claim_action(action_ex.id, first) is True
        assert services.engine.claim_action(action_ex.id, 'other') is False
    finally:
        services.engine.stop_workflow(ex_id, states.CANCELLED)

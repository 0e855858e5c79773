"""The cron trigger loop on a real SQLite store, with a fake engine client
and a clock the tests move by hand."""
from __future__ import annotations

import datetime
import json
import threading

import pytest

from mistral.db import migrations, models
from mistral.db.store import Store
from mistral.periodic.cron import CronRunner

T0 = datetime.datetime(2030, 1, 1, 12, 0, 0)


class FakeEngine:
    """Records `start_workflow` calls; can be told to fail."""

    def __init__(self, fail_for: set[str] | None = None) -> None:
        self.calls: list[dict] = []
        self.fail_for = fail_for or set()
        self._lock = threading.Lock()

    def start_workflow(self, workflow_id, execution_id, wf_input, params,
                       description, project_id, source_execution_id=None):
        if workflow_id in self.fail_for:
            raise RuntimeError(f'cannot start {workflow_id}')
        with self._lock:
            self.calls.append({
                'workflow_id': workflow_id, 'execution_id': execution_id,
                'input': wf_input, 'params': params,
                'description': description, 'project_id': project_id})
        return {'id': execution_id, 'created': True}


class Clock:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def store(tmp_path):
    url = f'sqlite:///{tmp_path}/cron.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    yield store
    store.dispose()


def add_trigger(store: Store, name: str = 'every-minute',
                pattern: str | None = '* * * * *',
                next_time: datetime.datetime = T0,
                remaining: int | None = None,
                workflow_id: str = 'wf-1') -> str:
    trigger_id = models.new_id()

    def tx(session):
        session.add(models.CronTrigger(
            id=trigger_id, name=name, pattern=pattern,
            next_execution_time=next_time, remaining_executions=remaining,
            workflow_name='wf', workflow_id=workflow_id,
            workflow_input={'x': 1}, workflow_params={'env': {'a': 'b'}},
            project_id='p1'))

    store.run_in_transaction(tx)
    return trigger_id


def get_trigger(store: Store, trigger_id: str) -> models.CronTrigger | None:
    with store.read() as session:
        return session.get(models.CronTrigger, trigger_id)


def test_fires_once_per_due_time_and_advances(store):
    trigger_id = add_trigger(store)
    clock = Clock(T0 - datetime.timedelta(seconds=30))
    engine = FakeEngine()
    runner = CronRunner(store, engine, interval=1, clock=clock)

    assert runner.run_once() == 0          # not due yet
    clock.now = T0
    assert runner.run_once() == 1
    assert runner.run_once() == 0          # same due time: not again
    assert get_trigger(store, trigger_id).next_execution_time == \
        T0 + datetime.timedelta(minutes=1)
    call, = engine.calls
    assert call['workflow_id'] == 'wf-1'
    assert call['input'] == {'x': 1}
    assert call['params'] == {'env': {'a': 'b'}}
    assert call['project_id'] == 'p1'
    assert json.loads(call['description']) == {
        'description': "Workflow execution created by cron trigger "
                       f"'({trigger_id})'.",
        'triggered_by': {'type': 'cron_trigger', 'id': trigger_id}}

    clock.advance(minutes=1)
    assert runner.run_once() == 1
    assert len(engine.calls) == 2
    assert engine.calls[0]['execution_id'] != engine.calls[1]['execution_id']


def test_fires_slightly_early_within_lookahead(store):
    add_trigger(store)
    engine = FakeEngine()
    runner = CronRunner(store, engine, clock=Clock(
        T0 - datetime.timedelta(seconds=1)))
    assert runner.run_once() == 1


def test_remaining_executions_count_down_and_delete(store):
    trigger_id = add_trigger(store, remaining=2)
    clock = Clock(T0)
    engine = FakeEngine()
    runner = CronRunner(store, engine, clock=clock)

    assert runner.run_once() == 1
    assert get_trigger(store, trigger_id).remaining_executions == 1
    clock.advance(minutes=1)
    assert runner.run_once() == 1
    assert get_trigger(store, trigger_id) is None
    clock.advance(minutes=1)
    assert runner.run_once() == 0
    assert len(engine.calls) == 2


def test_one_shot_trigger_without_pattern(store):
    trigger_id = add_trigger(store, pattern=None, remaining=1)
    engine = FakeEngine()
    runner = CronRunner(store, engine, clock=Clock(T0))
    assert runner.run_once() == 1
    assert get_trigger(store, trigger_id) is None
    assert len(engine.calls) == 1


def test_missed_periods_after_downtime_fire_once(store):
    trigger_id = add_trigger(store)
    clock = Clock(T0 + datetime.timedelta(hours=3, seconds=10))
    engine = FakeEngine()
    runner = CronRunner(store, engine, clock=clock)

    assert runner.run_once() == 1
    assert runner.run_once() == 0
    assert len(engine.calls) == 1
    # The next time is the next period after now, not after the miss.
    assert get_trigger(store, trigger_id).next_execution_time == \
        T0 + datetime.timedelta(hours=3, minutes=1)


def test_error_starting_one_workflow_does_not_stop_others(store):
    broken = add_trigger(store, name='broken', workflow_id='gone')
    add_trigger(store, name='fine')
    engine = FakeEngine(fail_for={'gone'})
    runner = CronRunner(store, engine, clock=Clock(T0))

    assert runner.run_once() == 1
    assert [c['workflow_id'] for c in engine.calls] == ['wf-1']
    # The broken trigger's firing is used up; it tries again next period.
    assert get_trigger(store, broken).next_execution_time == \
        T0 + datetime.timedelta(minutes=1)


def test_racing_runners_fire_each_due_time_exactly_once(store):
    ids = [add_trigger(store, name=f't{i}', remaining=3 if i % 2 else None)
           for i in range(10)]
    engine = FakeEngine()
    clock = Clock(T0)
    runners = [CronRunner(store, engine, clock=clock) for _ in range(4)]

    for minute in range(3):
        barrier = threading.Barrier(len(runners))
        errors: list[BaseException] = []

        def run(runner):
            try:
                barrier.wait()
                runner.run_once()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        assert len(engine.calls) == 10 * (minute + 1)
        clock.advance(minutes=1)

    # Triggers with 3 executions are gone; the others wait for minute 3.
    remaining = [i for i in ids if get_trigger(store, i) is not None]
    assert len(remaining) == 5


def test_thread_start_and_stop(store):
    add_trigger(store)
    engine = FakeEngine()
    runner = CronRunner(store, engine, interval=0.01, clock=Clock(T0))
    runner.start()
    try:
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=10)
        while not engine.calls and datetime.datetime.now() < deadline:
            threading.Event().wait(0.01)
    finally:
        runner.stop()
    assert len(engine.calls) == 1

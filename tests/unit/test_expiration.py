"""The execution expiration policy on real databases (SQLite, PostgreSQL,
MariaDB): exactly the selected root executions go, with everything under
them."""
from __future__ import annotations

import datetime
import threading

import pytest
import sqlalchemy as sa

from mistral import exceptions as exc
from mistral.db import migrations, models
from mistral.db.store import Store
from mistral.periodic.expiration import ExpirationPolicy, ExpirationRunner
from tests.conftest import DB_ENV, _service_url, empty_database

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)


def ago(minutes: int) -> datetime.datetime:
    return NOW - datetime.timedelta(minutes=minutes)


@pytest.fixture(scope='module', params=['sqlite', 'postgresql', 'mysql'])
def db_store(request, tmp_path_factory):
    """One schema per database kind for the whole module."""
    if request.param == 'sqlite':
        url = f"sqlite:///{tmp_path_factory.mktemp('exp')}/mistral.sqlite"
    else:
        url = empty_database(_service_url(DB_ENV[request.param]))
    migrations.upgrade(url)
    store = Store.from_url(url)
    yield store
    store.dispose()


@pytest.fixture
def store(db_store):
    """The module's store with no executions in it."""
    db_store.run_in_transaction(
        lambda s: s.execute(sa.delete(models.WorkflowExecution)))
    return db_store


def add_execution(session, name: str, state: str, updated: datetime.datetime,
                  root: str | None = None, parent_task: str | None = None,
                  with_task: bool = True) -> str:
    """A workflow execution with (optionally) one task and one action
    execution under it; answers its id."""
    wf_id = models.new_id()
    session.add(models.WorkflowExecution(
        id=wf_id, name=name, workflow_name=name, state=state,
        created_at=updated, updated_at=updated, root_execution_id=root,
        task_execution_id=parent_task))
    session.flush()
    if with_task:
        task_id = add_task(session, wf_id, name, state, updated)
        session.add(models.ActionExecution(
            id=models.new_id(), name='std.noop', state=state,
            task_execution_id=task_id, workflow_execution_id=wf_id,
            created_at=updated, updated_at=updated))
        session.flush()
    return wf_id


def add_task(session, wf_id: str, name: str, state: str,
             updated: datetime.datetime) -> str:
    task_id = models.new_id()
    session.add(models.TaskExecution(
        id=task_id, name=f'{name}-task', state=state,
        workflow_execution_id=wf_id, created_at=updated, updated_at=updated))
    session.flush()
    return task_id


def add_tree(session, name: str, state: str,
             updated: datetime.datetime) -> dict[str, str]:
    """A root with a sub-workflow that has a sub-workflow of its own."""
    root = add_execution(session, name, state, updated, with_task=False)
    task = add_task(session, root, name, state, updated)
    sub = add_execution(session, f'{name}-sub', state, updated, root=root,
                        parent_task=task)
    sub_task = session.scalar(sa.select(models.TaskExecution.id).where(
        models.TaskExecution.workflow_execution_id == sub))
    subsub = add_execution(session, f'{name}-subsub', state, updated,
                           root=root, parent_task=sub_task)
    return {'root': root, 'sub': sub, 'subsub': subsub}


def names(store: Store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(sa.select(
            models.WorkflowExecution.name)))


def counts(store: Store) -> tuple[int, int, int]:
    with store.read() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(
            m)) for m in (models.WorkflowExecution, models.TaskExecution,
                          models.ActionExecution))


def run(store: Store, **options) -> int:
    policy = ExpirationPolicy(evaluation_interval=1, **options)
    return ExpirationRunner(store, policy, clock=lambda: NOW).run_once()


def test_older_than_deletes_finished_roots_with_their_trees(store):
    def setup(s):
        add_tree(s, 'old-success', 'SUCCESS', ago(120))
        add_execution(s, 'old-error', 'ERROR', ago(61))
        add_execution(s, 'old-cancelled', 'CANCELLED', ago(120))
        add_execution(s, 'old-paused', 'PAUSED', ago(120))
        add_execution(s, 'new-success', 'SUCCESS', ago(59))
        # A running root whose sub-workflow finished long ago: neither
        # goes (only roots are selected).
        running = add_tree(s, 'old-running', 'RUNNING', ago(120))
        s.execute(sa.update(models.WorkflowExecution).where(
            models.WorkflowExecution.id == running['sub']).values(
            state='SUCCESS'))
    store.run_in_transaction(setup)

    deleted = run(store, older_than=60, ignored_states=('CANCELLED',))

    assert deleted == 2
    assert names(store) == {'old-cancelled', 'old-paused', 'new-success',
                            'old-running', 'old-running-sub',
                            'old-running-subsub'}
    # Nothing left behind of the deleted trees: 6 executions remain, the
    # running tree has 3 tasks and 2 actions, each other one 1 and 1.
    assert counts(store) == (6, 6, 5)
    # Running again deletes nothing more.
    assert run(store, older_than=60, ignored_states=('CANCELLED',)) == 0


def test_max_finished_executions_keeps_the_newest(store):
    def setup(s):
        for minutes in (1, 2, 3, 4, 5):
            add_execution(s, f'done-{minutes}', 'SUCCESS', ago(minutes))
        add_tree(s, 'tree-6', 'ERROR', ago(6))
        add_execution(s, 'running-7', 'RUNNING', ago(7))
    store.run_in_transaction(setup)

    assert run(store, max_finished_executions=2) == 4
    assert names(store) == {'done-1', 'done-2', 'running-7'}
    assert counts(store) == (3, 3, 3)


def test_both_criteria_and_batches(store):
    def setup(s):
        for minutes in (10, 20, 30, 200, 300, 400, 500):
            add_execution(s, f'done-{minutes}', 'SUCCESS', ago(minutes))
    store.run_in_transaction(setup)

    # Expired: the four over 100 minutes old; superfluous: of the rest,
    # all but the newest two. One execution per transaction.
    assert run(store, older_than=100, max_finished_executions=2,
               batch_size=1) == 5
    assert names(store) == {'done-10', 'done-20'}


def test_several_nodes_delete_each_execution_once(store):
    def setup(s):
        for i in range(12):
            add_tree(s, f'old-{i}', 'SUCCESS', ago(500 + i))
        add_execution(s, 'new', 'SUCCESS', ago(1))
    store.run_in_transaction(setup)

    results: list[int] = []
    errors: list[Exception] = []

    def node():
        try:
            results.append(run(store, older_than=60, batch_size=3))
        except Exception as e:   # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=node) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(results) == 12
    assert names(store) == {'new'}
    assert counts(store) == (1, 1, 1)


def test_policy_options():
    assert not ExpirationPolicy().enabled
    assert not ExpirationPolicy(evaluation_interval=5).enabled
    assert not ExpirationPolicy(older_than=5).enabled
    assert ExpirationPolicy(evaluation_interval=5, older_than=1).enabled
    assert ExpirationPolicy(evaluation_interval=5,
                            max_finished_executions=3).enabled
    assert ExpirationPolicy(ignored_states=('ERROR',)).deletable_states == \
        ['CANCELLED', 'SUCCESS']
    with pytest.raises(exc.ConfigError, match='RUNNING is not a finished'):
        ExpirationPolicy(ignored_states=('RUNNING',))

"""Engine test fixtures: the engine and executor services wired with the
in-process transport on a real SQLite database (no HTTP)."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from mistral.db import migrations, models
from mistral.db.store import Store
from mistral.engine.engine import Engine
from mistral.engine.workflow_run import EngineSettings
from mistral.executor.executor import Executor
from mistral.rpc.inprocess import InProcessTransport
from mistral.services import workflows as wf_service
from mistral.workflow import states

PROJECT = models.DEFAULT_PROJECT_ID


class Services:
    def __init__(self, store: Store, transport, engine: Engine) -> None:
        self.store = store
        self.transport = transport
        self.engine = engine

    def define(self, text: str) -> None:
        self.store.run_in_transaction(
            lambda s: wf_service.create_workflows(s, text, '', 'private',
                                                  PROJECT))

    def start(self, name: str, wf_input: dict | None = None,
              params: dict | None = None) -> str:
        with self.store.read() as session:
            wf = wf_service.find_workflow(session, name, '', PROJECT)
        result = self.engine.start_workflow(wf.id, models.new_id(),
                                            wf_input or {}, params or {},
                                            None, PROJECT)
        return result['id']

    def wait(self, execution_id: str, timeout: float = 20,
             until=states.TERMINAL) -> models.WorkflowExecution:
        deadline = time.monotonic() + timeout
        while True:
            with self.store.read() as session:
                wf_ex = session.get(models.WorkflowExecution, execution_id)
            if wf_ex.state in until:
                return wf_ex
            if time.monotonic() > deadline:
                raise AssertionError(f'execution still {wf_ex.state}')
            time.sleep(0.01)

    def tasks(self, execution_id: str) -> list[models.TaskExecution]:
        with self.store.read() as session:
            return list(session.scalars(
                sa.select(models.TaskExecution)
                .where(models.TaskExecution.workflow_execution_id ==
                       execution_id)
                .order_by(models.TaskExecution.created_at)))


@pytest.fixture(params=['inline', 'executor'])
def services(request, tmp_path):
    """Each test runs twice: with pure actions run inside the engine, and
    with every action going through the executor over RPC."""
    url = f'sqlite:///{tmp_path}/engine.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    transport = InProcessTransport()
    engine = Engine(store, transport, EngineSettings(
        inline_pure_actions=request.param == 'inline'))
    transport.serve('mistral_engine', 'engine', engine, 8)
    executor = Executor(transport, 'mistral_engine')
    transport.serve('mistral_executor', 'executor', executor, 8)
    engine.start_background()
    yield Services(store, transport, engine)
    engine.stop_background()
    executor.stop()
    transport.close()
    store.dispose()

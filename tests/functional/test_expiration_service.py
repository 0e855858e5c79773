"""The expiration policy inside `mistral-server --server periodic`: it
runs at start with the options of the configuration file."""
from __future__ import annotations

import datetime

import sqlalchemy as sa

from mistral.db import migrations, models
from mistral.db.store import Store
from tests.server import MistralServer, wait_until


def test_periodic_service_deletes_expired_executions(tmp_path, rabbit_url):
    url = f'sqlite:///{tmp_path}/mistral.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    now = models.utcnow()
    old, new = now - datetime.timedelta(hours=3), now

    def setup(session):
        for name, state, updated in (('old-success', 'SUCCESS', old),
                                     ('old-error', 'ERROR', old),
                                     ('old-running', 'RUNNING', old),
                                     ('new-success', 'SUCCESS', new)):
            session.add(models.WorkflowExecution(
                id=models.new_id(), name=name, state=state,
                created_at=updated, updated_at=updated))

    store.run_in_transaction(setup)

    def remaining() -> set[str]:
        with store.read() as session:
            return set(session.scalars(sa.select(
                models.WorkflowExecution.name)))

    server = MistralServer(
        tmp_path, url, services='periodic', transport_url=rabbit_url,
        extra={'execution_expiration_policy': {
            'evaluation_interval': 60, 'older_than': 60,
            'ignored_states': 'ERROR'}})
    try:
        server.start()
        wait_until(lambda: 'old-success' not in remaining(), 20,
                   message='the expired execution to be deleted')
        assert remaining() == {'old-error', 'old-running', 'new-success'}
    finally:
        server.stop()
        store.dispose()

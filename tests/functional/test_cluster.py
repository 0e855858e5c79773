"""A cluster: one API, two engines (each also running the periodic
service) and two executors with different `[executor] host` names, over
RabbitMQ, on PostgreSQL and on MariaDB.

Many concurrent executions of a mixed workflow give exactly the outputs
one process gives; `target` tasks run only on their executor; cron
triggers fire once although two periodic services race for them.
"""
from __future__ import annotations

import datetime
import json
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from mistral.db import models
from mistral.db.store import Store
from tests.conftest import DB_ENV, _service_url, empty_database
from tests.functional import mixed_load
from tests.server import (SplitDeployment, create_workflows, loads,
                          prepare_database, recorded_runs, run_workflow,
                          wait_for_execution, wait_until,
                          write_action_plugin)

CONCURRENT = 200
CLUSTER_CONFIG = {
    # Five processes must fit in a database server's connection limit (100
    # by default on PostgreSQL) next to other users.
    'database': {'max_pool_size': 5, 'max_overflow': 10},
    # Under this load an action may wait in the queue for a while before an
    # executor takes it, and heartbeats may be late: no action is lost here.
    'action_heartbeat': {'check_interval': 2, 'max_missed_heartbeats': 15,
                         'first_heartbeat_timeout': 300},
}


@pytest.fixture(scope='module', params=['postgresql', 'mysql'])
def cluster(request, tmp_path_factory):
    db_url = empty_database(_service_url(DB_ENV[request.param]))
    rabbit = _service_url('MISTRAL_TEST_RABBIT')
    workdir = tmp_path_factory.mktemp(f'cluster-{request.param}')
    prepare_database(workdir / 'db', db_url)
    env = write_action_plugin(workdir / 'plugin')
    # Resending another engine's outbox after 2 s (the kill tests' value)
    # would, on a busy machine, also resend messages of live engines.
    deployment = SplitDeployment(workdir, db_url, rabbit, env=env,
                                 outbox_resend_after=10,
                                 extra=CLUSTER_CONFIG)
    try:
        deployment.host_b = f'{deployment.executor_host}-b'
        deployment.add_executor()
        deployment.add_executor(host=deployment.host_b)
        deployment.add_engine('engine,periodic')
        deployment.add_engine('engine,periodic')
        deployment.start_api()
        create_workflows(deployment.api_url, mixed_load.MIX)
        yield deployment
    finally:
        deployment.stop()


def test_concurrent_mixed_executions(cluster, tmp_path) -> None:
    api = cluster.api_url
    path = tmp_path / 'runs'
    ns = mixed_load.start_many(api, CONCURRENT, path)
    done = mixed_load.wait_all(api, ns, timeout=180)
    mixed_load.check_outputs(done, ns)
    mixed_load.check_runs(cluster.db_url, ns, path)
    # Both engines and both executors took part.
    pids = {pid for _, _, pid in recorded_runs(path)}
    assert pids == {e.proc.pid for e in cluster.executors}
    for engine in cluster.engines:
        assert 'Traceback' not in engine.log_text(), engine.log_tail()


def targets(host_a: str, host_b: str) -> str:
    return f"""\
version: '2.0'
where:
  input: [path, host, hosts]
  output:
    literal: <% $.literal %>
    expression: <% $.expression %>
    items: <% $.items %>
  tasks:
    literal:
      action: test.record path=<% $.path %> value=literal
      target: {host_b}
      publish:
        literal: <% task().result.pid %>
    expression:
      action: test.record path=<% $.path %> value=expression
      target: <% $.host %>
      publish:
        expression: <% task().result.pid %>
    items:
      with-items: h in <% $.hosts %>
      action: test.record path=<% $.path %> value=<% $.h %>
      target: <% $.h %>
      publish:
        items: <% task().result %>
"""


def test_targets_run_only_on_their_executor(cluster, tmp_path) -> None:
    api = cluster.api_url
    host_a, host_b = cluster.executor_host, cluster.host_b
    pid = {host_a: cluster.executors[0].proc.pid,
           host_b: cluster.executors[1].proc.pid}
    create_workflows(api, targets(host_a, host_b))
    # Untargeted, these would land on either executor about half the time.
    hosts = [host_a, host_b] * 6
    for host in (host_a, host_b):
        ex = run_workflow(api, 'where', {'path': str(tmp_path / 'runs'),
                                         'host': host, 'hosts': hosts},
                          timeout=60)
        assert ex['state'] == 'SUCCESS', ex['state_info']
        out = loads(ex['output'])
        assert out['literal'] == pid[host_b]
        assert out['expression'] == pid[host]
        assert [r['value'] for r in out['items']] == hosts
        assert [r['pid'] for r in out['items']] == [pid[h] for h in hosts]


CRON_WF = """\
version: '2.0'
ticked:
  input: [trigger]
  tasks:
    tick:
      action: std.echo output=<% $.trigger %>
"""


def test_cron_fires_once_with_two_periodic_services(cluster) -> None:
    api = cluster.api_url
    create_workflows(api, CRON_WF)
    names = [f'race_{i}' for i in range(5)]
    later = (models.utcnow() + datetime.timedelta(minutes=5)).strftime(
        '%Y-%m-%d %H:%M')
    ids = []
    for name in names:
        resp = requests.post(f'{api}/cron_triggers', json={
            'name': name, 'workflow_name': 'ticked',
            'workflow_input': {'trigger': name}, 'pattern': '* * * * *',
            'first_execution_time': later, 'remaining_executions': 3},
            timeout=10)
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()['id'])
    # Due now for both periodic services at once, rather than in minutes.
    store = Store.from_url(cluster.db_url)
    try:
        store.run_in_transaction(lambda s: s.execute(
            sa.update(models.CronTrigger)
            .where(models.CronTrigger.id.in_(ids))
            .values(next_execution_time=models.utcnow()
                    - datetime.timedelta(seconds=5))))
    finally:
        store.dispose()

    def executions() -> list[dict]:
        resp = requests.get(f'{api}/executions',
                            params={'workflow_name': 'ticked'}, timeout=5)
        assert resp.status_code == 200, resp.text
        return resp.json()['executions']

    wait_until(lambda: len(executions()) >= len(names), timeout=30,
               interval=0.2, message='every trigger to fire')
    # Give both services a few more passes: a second start for the same
    # due time would show up now.
    time.sleep(3)
    found = executions()
    fired = Counter(json.loads(ex['description'])['triggered_by']['id']
                    for ex in found)
    assert set(fired) == set(ids)
    for trigger_id in ids:
        # One execution per firing the trigger counted (a firing may
        # legitimately recur if the next minute began meanwhile).
        remaining = loads_trigger(api, trigger_id)['remaining_executions']
        assert fired[trigger_id] == 3 - remaining, (fired, remaining)
    for ex in found:
        assert wait_for_execution(api, ex['id'])['state'] == 'SUCCESS'


def loads_trigger(api: str, trigger_id: str) -> dict:
    resp = requests.get(f'{api}/cron_triggers/{trigger_id}', timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()

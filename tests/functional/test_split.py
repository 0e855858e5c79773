"""The split deployment: `mistral-server --server api`, `--server engine`
and `--server executor` as three processes sharing one database and one
RabbitMQ, on PostgreSQL and on MariaDB."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import DB_ENV, _service_url, empty_database
from tests.functional.workflows import HELLO, fan_out
from tests.server import (SplitDeployment, create_workflows, loads,
                          prepare_database, run_workflow, start_execution,
                          wait_for_execution)


@pytest.fixture(scope='module', params=['postgresql', 'mysql'])
def split(request, tmp_path_factory) -> SplitDeployment:
    # The conftest fixtures are function-scoped; one deployment per
    # database serves every test of this module.
    db_url = empty_database(_service_url(DB_ENV[request.param]))
    rabbit = _service_url('MISTRAL_TEST_RABBIT')
    workdir = tmp_path_factory.mktemp(f'split-{request.param}')
    prepare_database(workdir / 'db', db_url)
    deployment = SplitDeployment(workdir, db_url, rabbit).start()
    yield deployment
    deployment.stop()


def test_processes_run_only_their_services(split) -> None:
    assert split.api.has_api
    for server in (*split.engines, *split.executors):
        assert server.alive
        assert server.port is None
    assert 'Mistral running: api' in split.api.log_text()
    assert 'Mistral running: engine' in split.engines[0].log_text()
    assert 'Mistral running: executor' in split.executors[0].log_text()


def test_hello(split) -> None:
    api = split.api_url
    create_workflows(api, HELLO)
    ex = run_workflow(api, 'hello', {'name': 'Ann'})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'greeting': 'Hello, Ann!'}


def test_fan_out_and_join(split) -> None:
    api = split.api_url
    width = 8
    create_workflows(api, fan_out(width))
    ex = run_workflow(api, 'fan_out', timeout=30)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'total': sum(range(width)),
                                   'seen': list(range(width))}
    tasks = requests.get(f'{api}/executions/{ex["id"]}/tasks',
                         timeout=5).json()['tasks']
    names = sorted(t['name'] for t in tasks)
    assert names == sorted(['start', 'collect',
                            *[f'branch{i}' for i in range(width)]])
    assert {t['state'] for t in tasks} == {'SUCCESS'}


def test_many_concurrent_executions(split) -> None:
    """Several executions at once through one engine and one executor."""
    api = split.api_url
    ids = [start_execution(api, 'fan_out')['id'] for _ in range(5)]
    ids += [start_execution(api, 'hello', {'name': f'n{i}'})['id']
            for i in range(5)]
    for ex_id in ids:
        ex = wait_for_execution(api, ex_id, timeout=30)
        assert ex['state'] == 'SUCCESS', (ex_id, ex['state_info'])

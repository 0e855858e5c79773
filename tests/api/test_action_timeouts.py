"""Timeouts that stop work: with `[executor] action_runner = process` an
action still running at its task's timeout is killed, and its action
execution ends in ERROR; standalone runs obey their `timeout` too."""
from __future__ import annotations

import pytest
import requests

from tests.server import (MistralServer, create_workflows, loads,
                          run_workflow, wait_until)

WORKFLOWS = """
version: '2.0'
hung_task:
  tasks:
    hung:
      action: std.sleep seconds=600
      timeout: 1
echo_in_child:
  output: {said: <% $.said %>}
  tasks:
    say:
      action: std.echo
      input:
        output: [1, 'two', {three: 3}]
      publish: {said: <% task().result %>}
"""


@pytest.fixture(scope='module')
def server(tmp_path_factory) -> MistralServer:
    workdir = tmp_path_factory.mktemp('timeouts')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra={'executor': {'action_runner': 'process'},
                               'engine': {'inline_pure_actions': False}})
    srv.start()
    create_workflows(srv.api, WORKFLOWS)
    yield srv
    srv.stop()


def test_results_come_back_from_the_action_process(server) -> None:
    done = run_workflow(server.api, 'echo_in_child')
    assert done['state'] == 'SUCCESS', done['state_info']
    assert loads(done['output']) == {'said': [1, 'two', {'three': 3}]}


def test_hung_action_is_killed_at_the_task_timeout(server) -> None:
    done = run_workflow(server.api, 'hung_task', timeout=30)
    assert done['state'] == 'ERROR'
    assert 'Task timed out [timeout(s)=1].' in done['state_info']

    def action():
        actions = requests.get(
            f'{server.api}/executions/{done["id"]}/tasks', timeout=5).json()
        task_id = actions['tasks'][0]['id']
        found = requests.get(f'{server.api}/tasks/{task_id}/'
                             'action_executions', timeout=5).json()
        ex = requests.get(f"{server.api}/action_executions/"
                          f"{found['action_executions'][0]['id']}",
                          timeout=5).json()
        return ex if ex['state'] != 'RUNNING' else None

    ex = wait_until(action, timeout=10, message='the action to be stopped')
    assert ex['state'] == 'ERROR'
    assert 'did not finish within' in loads(ex['output'])['result']
    assert 'Killing action process' in server.log_text()


def test_standalone_run_obeys_its_timeout(server) -> None:
    resp = requests.post(f'{server.api}/action_executions', json={
        'name': 'std.sleep', 'input': {'seconds': 600},
        'params': {'timeout': 1, 'run_sync': True}}, timeout=30)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body['state'] == 'ERROR'
    assert loads(body['output']) == {
        'result': 'The action did not finish within 1 second(s) and was '
                  'stopped.'}

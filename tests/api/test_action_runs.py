"""Standalone action runs and asynchronous completion through the API."""
from __future__ import annotations

import requests

from tests.server import wait_until


def _run(api, body):
    return requests.post(f'{api}/action_executions', json=body, timeout=30)


def test_sync_run_returns_the_result_without_storing_it(api) -> None:
    resp = _run(api, {'name': 'std.echo', 'input': {'output': 'hi'}})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body['id'] is None
    assert body['state'] == 'SUCCESS'
    assert body['output'] == '{"result": "hi"}'


def test_run_sync_and_save_result_stores_the_execution(api) -> None:
    resp = _run(api, {'name': 'std.echo', 'input': {'output': 7},
                      'params': {'save_result': True, 'run_sync': True}})
    assert resp.status_code == 201, resp.text
    action_ex_id = resp.json()['id']
    got = requests.get(f'{api}/action_executions/{action_ex_id}',
                       timeout=10).json()
    assert got['state'] == 'SUCCESS'
    assert got['output'] == '{"result": 7}'


def test_save_result_without_run_sync_runs_in_the_background(api) -> None:
    resp = _run(api, {'name': 'std.sleep', 'input': {'seconds': 0.1},
                      'params': '{"save_result": true}'})
    assert resp.status_code == 201, resp.text
    assert resp.json()['state'] == 'RUNNING'
    action_ex_id = resp.json()['id']

    def done():
        return requests.get(f'{api}/action_executions/{action_ex_id}',
                            timeout=10).json()['state'] == 'SUCCESS'

    wait_until(done, timeout=10, message='background action to finish')


def test_bad_standalone_runs_are_client_errors(api) -> None:
    unknown = _run(api, {'name': 'std.nope'})
    assert unknown.status_code == 400
    assert 'Action not found' in unknown.json()['faultstring']
    bad_input = _run(api, {'name': 'std.echo', 'input': {'bad': 1}})
    assert bad_input.status_code == 400
    assert "missing=['output']" in bad_input.json()['faultstring']
    no_name = _run(api, {'input': {}})
    assert no_name.status_code == 400


def test_put_completes_a_running_action_once(api) -> None:
    resp = _run(api, {'name': 'std.sleep', 'input': {'seconds': 3},
                      'params': {'save_result': True}})
    action_ex_id = resp.json()['id']
    done = requests.put(f'{api}/action_executions/{action_ex_id}',
                        json={'state': 'SUCCESS', 'output': 'early'},
                        timeout=10)
    assert done.status_code == 200, done.text
    assert done.json()['state'] == 'SUCCESS'
    assert done.json()['output'] == '{"result": "early"}'
    wrong = requests.put(f'{api}/action_executions/{action_ex_id}',
                         json={'state': 'DELAYED'}, timeout=10)
    assert wrong.status_code == 400
    assert wrong.json()['faultstring'].startswith('Error. Expected one of')

"""Maintenance mode pauses and resumes real executions (PUT /maintenance
with a real engine, on the module's own server)."""
from __future__ import annotations

import requests

from tests.server import (create_workflows, get_execution, start_execution,
                          wait_for_execution, wait_for_state, wait_until)


def maintenance(api: str) -> str:
    resp = requests.get(f'{api}/maintenance', timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()['status']


def put_status(api: str, status: str) -> requests.Response:
    return requests.put(f'{api}/maintenance', json={'status': status},
                        timeout=10)


def task_states(api: str, ex_id: str) -> dict[str, str]:
    resp = requests.get(f'{api}/executions/{ex_id}/tasks', timeout=10)
    assert resp.status_code == 200, resp.text
    return {t['name']: t['state'] for t in resp.json()['tasks']}


def test_pausing_is_an_intermediate_state(api) -> None:
    resp = put_status(api, 'PAUSING')
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring'] == (
        'PAUSING is intermediate state. Consider PAUSED, RUNNING as new '
        'state')
    resp = put_status(api, 'ASLEEP')
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring'] == (
        "Not found ASLEEP maintenance state. List of states: "
        "['PAUSING', 'PAUSED', 'RUNNING']")
    assert maintenance(api) == 'RUNNING'


def test_running_executions_pause_and_resume(api, uniq) -> None:
    name = f'maint_{uniq}'
    create_workflows(api, f"""version: '2.0'
{name}:
  tasks:
    nap:
      action: std.sleep seconds=2
      on-success: after
    after:
      action: std.noop
""")
    ours = start_execution(api, name)
    theirs = start_execution(api, name)
    wait_until(lambda: task_states(api, ours['id']).get('nap') == 'RUNNING',
               10, message='task nap RUNNING')
    # Paused by its user before the maintenance window: stays paused.
    resp = requests.put(f'{api}/executions/{theirs["id"]}',
                        json={'state': 'PAUSED'}, timeout=10)
    assert resp.status_code == 200, resp.text

    resp = put_status(api, 'PAUSED')
    assert resp.status_code == 200, resp.text
    assert resp.json() == {'status': 'PAUSING'}
    try:
        wait_for_state(api, ours['id'], {'PAUSED'}, timeout=10)
        # PAUSED once the running task has finished; nothing starts after.
        wait_until(lambda: maintenance(api) == 'PAUSED', 15,
                   message='maintenance PAUSED')
        assert task_states(api, ours['id']) == {'nap': 'SUCCESS'}
        assert get_execution(api, ours['id'])['state'] == 'PAUSED'
        # Writes are refused meanwhile, reads are not.
        resp = requests.post(f'{api}/executions', timeout=10,
                             json={'workflow_name': name})
        assert resp.status_code == 423, resp.text
        assert resp.json()['faultstring'] == (
            'Current Mistral state is PAUSED. Method is not allowed')
        resp = requests.put(f'{api}/executions/{ours["id"]}',
                            json={'state': 'RUNNING'}, timeout=10)
        assert resp.status_code == 423, resp.text
        # Asking again changes nothing.
        assert put_status(api, 'PAUSED').json() == {'status': 'PAUSED'}
    finally:
        resp = put_status(api, 'RUNNING')
        assert resp.status_code == 200, resp.text
    assert resp.json() == {'status': 'RUNNING'}

    done = wait_for_execution(api, ours['id'], timeout=20)
    assert done['state'] == 'SUCCESS', done['state_info']
    assert task_states(api, ours['id']) == {'nap': 'SUCCESS',
                                            'after': 'SUCCESS'}
    assert get_execution(api, theirs['id'])['state'] == 'PAUSED'
    resp = requests.put(f'{api}/executions/{theirs["id"]}',
                        json={'state': 'CANCELLED'}, timeout=10)
    assert resp.status_code == 200, resp.text

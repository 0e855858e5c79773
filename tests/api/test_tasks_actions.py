"""/v2/tasks, /v2/executions/<id>/tasks, /v2/action_executions and
/v2/actions against a real server."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.server import create_workflows, loads, run_workflow

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')


@pytest.fixture(scope='module')
def execution(api) -> dict:
    """A finished two-task execution: echo a dict, then publish from it."""
    name = f'two_{uuid.uuid4().hex[:8]}'
    create_workflows(api, f"""version: '2.0'
{name}:
  input: [who]
  tasks:
    first:
      action: std.echo
      input:
        output:
          who: <% $.who %>
          n: 3
      publish:
        who_upper: <% task().result.who.toUpper() %>
      on-success: second
    second:
      action: std.noop
""")
    ex = run_workflow(api, name, {'who': 'ann'})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    return ex


def tasks_of(api: str, execution_id: str, **params) -> list[dict]:
    resp = requests.get(f'{api}/executions/{execution_id}/tasks',
                        params=params, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()['tasks']


def test_execution_tasks(api, execution) -> None:
    tasks = tasks_of(api, execution['id'], sort_keys='created_at')
    assert [t['name'] for t in tasks] == ['first', 'second']
    first = tasks[0]
    assert first['workflow_execution_id'] == execution['id']
    assert first['workflow_name'] == execution['workflow_name']
    assert first['workflow_id'] == execution['workflow_id']
    assert first['type'] == 'ACTION'
    assert first['state'] == 'SUCCESS'
    assert isinstance(first['result'], str)
    assert loads(first['result']) == {'who': 'ann', 'n': 3}
    assert isinstance(first['published'], str)
    assert loads(first['published']) == {'who_upper': 'ANN'}
    assert first['processed'] is True
    for field in ('created_at', 'updated_at', 'started_at', 'finished_at'):
        assert TIMESTAMP.match(first[field]), (field, first[field])
    assert loads(tasks[1]['result']) is None


def test_execution_tasks_filters(api, execution) -> None:
    assert [t['name'] for t in tasks_of(api, execution['id'],
                                        name='second')] == ['second']
    assert tasks_of(api, execution['id'], state='ERROR') == []
    part = tasks_of(api, execution['id'], fields='name,state')
    assert {tuple(sorted(t)) for t in part} == {('id', 'name', 'state')}


def test_tasks_of_unknown_execution_is_404(api) -> None:
    resp = requests.get(f'{api}/executions/{uuid.uuid4()}/tasks', timeout=5)
    assert resp.status_code == 404, resp.text
    assert 'not found' in resp.json()['faultstring']


def test_all_tasks_list(api, execution) -> None:
    resp = requests.get(f'{api}/tasks', params={
        'workflow_execution_id': execution['id']}, timeout=5)
    assert resp.status_code == 200, resp.text
    assert sorted(t['name'] for t in resp.json()['tasks']) == \
        ['first', 'second']
    everything = requests.get(f'{api}/tasks', timeout=5).json()['tasks']
    assert {t['workflow_execution_id'] for t in everything} >= \
        {execution['id']}
    page = requests.get(f'{api}/tasks', params={
        'workflow_execution_id': execution['id'], 'limit': 1}, timeout=5)
    body = page.json()
    assert len(body['tasks']) == 1 and body['next']
    rest = requests.get(body['next'], timeout=5).json()
    assert len(rest['tasks']) == 1
    assert rest['tasks'][0]['id'] != body['tasks'][0]['id']


def test_get_task(api, execution) -> None:
    (first,) = tasks_of(api, execution['id'], name='first')
    resp = requests.get(f'{api}/tasks/{first["id"]}', timeout=5)
    assert resp.status_code == 200, resp.text
    task = resp.json()
    assert task['id'] == first['id']
    assert task['name'] == 'first'
    assert isinstance(task['result'], str)
    assert loads(task['result']) == {'who': 'ann', 'n': 3}
    assert loads(task['published']) == {'who_upper': 'ANN'}
    assert isinstance(task['runtime_context'], str)
    missing = requests.get(f'{api}/tasks/{uuid.uuid4()}', timeout=5)
    assert missing.status_code == 404
    assert missing.json()['faultstring']


def test_task_action_executions(api, execution) -> None:
    (first,) = tasks_of(api, execution['id'], name='first')
    resp = requests.get(f'{api}/tasks/{first["id"]}/action_executions',
                        timeout=5)
    assert resp.status_code == 200, resp.text
    (action_ex,) = resp.json()['action_executions']
    assert action_ex['name'] == 'std.echo'
    assert action_ex['task_execution_id'] == first['id']
    assert action_ex['task_name'] == 'first'
    assert action_ex['workflow_name'] == execution['workflow_name']
    assert action_ex['state'] == 'SUCCESS'
    assert action_ex['accepted'] is True
    assert isinstance(action_ex['input'], str)
    assert loads(action_ex['input']) == {'output': {'who': 'ann', 'n': 3}}
    missing = requests.get(f'{api}/tasks/{uuid.uuid4()}/action_executions',
                           timeout=5)
    assert missing.status_code == 404


def test_action_executions_list_and_get(api, execution) -> None:
    (first,) = tasks_of(api, execution['id'], name='first')
    resp = requests.get(f'{api}/action_executions',
                        params={'task_execution_id': first['id']}, timeout=5)
    assert resp.status_code == 200, resp.text
    (listed,) = resp.json()['action_executions']
    assert 'output' not in listed
    with_output = requests.get(
        f'{api}/action_executions',
        params={'task_execution_id': first['id'], 'include_output': 'true'},
        timeout=5).json()['action_executions']
    assert loads(with_output[0]['output']) == {
        'result': {'who': 'ann', 'n': 3}}

    resp = requests.get(f'{api}/action_executions/{listed["id"]}', timeout=5)
    assert resp.status_code == 200, resp.text
    one = resp.json()
    assert one['id'] == listed['id']
    assert one['name'] == 'std.echo'
    assert loads(one['output']) == {'result': {'who': 'ann', 'n': 3}}
    assert TIMESTAMP.match(one['created_at'])

    by_name = requests.get(f'{api}/action_executions', params={
        'name': 'std.noop', 'workflow_name': execution['workflow_name']},
        timeout=5).json()['action_executions']
    assert [a['task_name'] for a in by_name] == ['second']
    missing = requests.get(f'{api}/action_executions/{uuid.uuid4()}',
                           timeout=5)
    assert missing.status_code == 404
    assert missing.json()['faultstring']


def test_actions_list(api) -> None:
    resp = requests.get(f'{api}/actions', timeout=5)
    assert resp.status_code == 200, resp.text
    actions = {a['name']: a for a in resp.json()['actions']}
    assert {'std.noop', 'std.echo', 'std.fail', 'std.sleep'} <= set(actions)
    names = [a['name'] for a in resp.json()['actions']]
    assert names == sorted(names)
    assert actions['std.echo']['is_system'] is True
    assert 'output' in actions['std.echo']['input']
    assert 'seconds' in actions['std.sleep']['input']


def test_actions_list_paging(api) -> None:
    first = requests.get(f'{api}/actions', params={'limit': 2},
                         timeout=5).json()
    assert len(first['actions']) == 2
    assert first['next']
    second = requests.get(first['next'], timeout=5).json()
    names = [a['name'] for a in first['actions'] + second['actions']]
    assert len(names) == len(set(names))
    assert names == sorted(names)


def test_get_action_by_name(api) -> None:
    resp = requests.get(f'{api}/actions/std.echo', timeout=5)
    assert resp.status_code == 200, resp.text
    action = resp.json()
    assert action['name'] == 'std.echo'
    assert action['is_system'] is True
    by_id = requests.get(f'{api}/actions/{action["id"]}', timeout=5)
    assert by_id.status_code == 200
    assert by_id.json()['name'] == 'std.echo'
    missing = requests.get(f'{api}/actions/std.nothing_like_this', timeout=5)
    assert missing.status_code == 404
    assert missing.json()['faultstring']

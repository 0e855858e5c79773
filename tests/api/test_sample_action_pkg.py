"""The out-of-tree action package tests/fixtures/sample_action_pkg
(installed by .ci/run) used by a workflow on a real server: a plain
result with the action context, a Result(error=...) and an asynchronous
action completed through the API."""
from __future__ import annotations

import json
from importlib import metadata

import pytest
import requests

from tests.server import (create_workflows, loads, start_execution,
                          wait_for_execution, wait_until)

WF = '''
version: '2.0'
{name}:
  output:
    greeting: <% $.greeting %>
    refusal: <% $.refusal %>
    later: <% $.later %>
  tasks:
    greet:
      action: sample.greet name=Ada greeting=Hi
      publish:
        greeting: <% task().result %>
      on-success: [refuse]
    refuse:
      action: sample.refuse reason=busy
      publish-on-error:
        refusal: <% task().result %>
      on-error: [later]
    later:
      action: sample.later ticket=T-1
      publish:
        later: <% task().result %>
'''


@pytest.fixture(scope='module', autouse=True)
def installed():
    names = {ep.name for ep in metadata.entry_points(group='mistral.actions')}
    if 'sample.greet' not in names:
        pytest.fail('The sample action package is not installed: run '
                    '.venv/bin/pip install ./tests/fixtures/sample_action_pkg')


def _one(api: str, resource: str, **params) -> dict:
    rows = requests.get(f'{api}/{resource}', params=params,
                        timeout=10).json()[resource]
    assert len(rows) == 1, rows
    return rows[0]


def test_actions_are_listed(api):
    greet = requests.get(f'{api}/actions/sample.greet', timeout=10).json()
    assert greet['input'] == 'name, greeting="Hello"'
    assert greet['description'] == \
        'Greets `name` and reports the context it ran in.'


def test_workflow_uses_sample_actions(api, uniq):
    name = f'sample_{uniq}'
    create_workflows(api, WF.format(name=name))
    ex = start_execution(api, name)

    # sample.later is asynchronous: it waits for its result from the API.
    def later_action():
        tasks = requests.get(f'{api}/tasks', timeout=10, params={
            'workflow_execution_id': ex['id'], 'name': 'later'}).json()
        if not tasks['tasks']:
            return None
        rows = requests.get(f'{api}/action_executions', timeout=10, params={
            'task_execution_id': tasks['tasks'][0]['id']}
        ).json()['action_executions']
        return rows[0] if rows else None

    wait_until(later_action, 20, 0.05, message='sample.later to start')
    later = later_action()
    assert later['state'] == 'RUNNING'
    done = requests.put(f'{api}/action_executions/{later["id"]}', timeout=10,
                        json={'state': 'SUCCESS',
                              'output': json.dumps({'ticket': 'T-1',
                                                    'closed': True})})
    assert done.status_code == 200, done.text

    ex = wait_for_execution(api, ex['id'])
    assert ex['state'] == 'SUCCESS', ex['state_info']
    output = loads(ex['output'])

    greet_task = _one(api, 'tasks', workflow_execution_id=ex['id'],
                      name='greet')
    greet_action = _one(api, 'action_executions',
                        task_execution_id=greet_task['id'])
    assert output['greeting'] == {
        'message': 'Hi, Ada!',
        'workflow_name': name,
        'workflow_execution_id': ex['id'],
        'task_execution_id': greet_task['id'],
        'action_execution_id': greet_action['id'],
        'project_id': greet_action['project_id'],
    }
    assert output['refusal'] == {'refused': 'busy'}
    assert output['later'] == {'ticket': 'T-1', 'closed': True}

    refuse_task = _one(api, 'tasks', workflow_execution_id=ex['id'],
                       name='refuse')
    assert refuse_task['state'] == 'ERROR'


def test_standalone_run(api):
    run = requests.post(f'{api}/action_executions', timeout=30, json={
        'name': 'sample.refuse', 'input': {'reason': 'closed'}})
    assert run.status_code == 201, run.text
    assert run.json()['state'] == 'ERROR'
    assert loads(run.json()['output']) == {'result': {'refused': 'closed'}}

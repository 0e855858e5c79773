"""/v2/executions against a real server."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from tests.server import (create_workflows, get_execution, loads,
                          start_execution, wait_for_execution, wait_until)

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')
MISSING_WF = ('Workflow ID or workflow name must be provided. Workflow ID '
              'is recommended.')


def hello_wf(name: str) -> str:
    return f"""version: '2.0'
{name}:
  input:
    - name
    - punctuation: '!'
  output:
    greeting: <% $.greeting %>
  tasks:
    greet:
      action: std.echo output="Hello, <% $.name %><% $.punctuation %>"
      publish:
        greeting: <% task().result %>
"""


def slow_wf(name: str) -> str:
    """Three sleeps in a row: long enough to catch the execution running."""
    return f"""version: '2.0'
{name}:
  input:
    - seconds: 0.5
  tasks:
    one:
      action: std.sleep seconds=<% $.seconds %>
      on-success: two
    two:
      action: std.sleep seconds=<% $.seconds %>
      on-success: three
    three:
      action: std.sleep seconds=<% $.seconds %>
"""


@pytest.fixture(scope='module')
def hello(api) -> dict:
    name = f'hello_{uuid.uuid4().hex[:8]}'
    (wf,) = create_workflows(api, hello_wf(name))
    return wf


@pytest.fixture(scope='module')
def slow(api) -> dict:
    name = f'slow_{uuid.uuid4().hex[:8]}'
    (wf,) = create_workflows(api, slow_wf(name))
    return wf


def post(api: str, body) -> requests.Response:
    return requests.post(f'{api}/executions', json=body, timeout=30)


def executions_of(api: str, workflow_id: str) -> list[dict]:
    resp = requests.get(f'{api}/executions',
                        params={'workflow_id': workflow_id}, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()['executions']


def task_names(api: str, execution_id: str) -> list[str]:
    resp = requests.get(f'{api}/executions/{execution_id}/tasks',
                        params={'sort_keys': 'created_at'}, timeout=5)
    assert resp.status_code == 200, resp.text
    return [t['name'] for t in resp.json()['tasks']]


# -- create --------------------------------------------------------------

def test_create_by_name_and_run_to_success(api, hello) -> None:
    resp = post(api, {'workflow_name': hello['name'],
                      'input': {'name': 'Ann'}})
    assert resp.status_code == 201, resp.text
    ex = resp.json()
    assert ex['workflow_name'] == hello['name']
    assert ex['workflow_id'] == hello['id']
    assert ex['workflow_namespace'] == ''
    assert ex['state'] in ('RUNNING', 'SUCCESS')
    assert loads(ex['input']) == {'name': 'Ann', 'punctuation': '!'}
    assert isinstance(loads(ex['params']), dict)
    assert TIMESTAMP.match(ex['created_at'])
    assert TIMESTAMP.match(ex['updated_at'])
    assert ex['task_execution_id'] is None
    assert ex['root_execution_id'] is None
    assert ex['project_id']

    done = wait_for_execution(api, ex['id'])
    assert done['state'] == 'SUCCESS', done['state_info']
    assert done['state_info'] is None
    assert loads(done['output']) == {'greeting': 'Hello, Ann!'}
    assert loads(done['input']) == {'name': 'Ann', 'punctuation': '!'}


def test_create_by_workflow_id(api, hello) -> None:
    ex = start_execution(api, None, {'name': 'Bo'}, workflow_id=hello['id'])
    assert ex['workflow_id'] == hello['id']
    assert ex['workflow_name'] == hello['name']
    done = wait_for_execution(api, ex['id'])
    assert loads(done['output']) == {'greeting': 'Hello, Bo!'}


def test_input_and_params_as_json_strings(api, hello) -> None:
    """python-mistralclient sends `input` and `params` JSON-encoded."""
    resp = post(api, {
        'workflow_name': hello['name'],
        'input': json.dumps({'name': 'Cy', 'punctuation': '?'}),
        'params': json.dumps({'env': {'region': 'north'}}),
        'description': 'from a string'})
    assert resp.status_code == 201, resp.text
    ex = resp.json()
    assert loads(ex['input']) == {'name': 'Cy', 'punctuation': '?'}
    assert loads(ex['params'])['env'] == {'region': 'north'}
    assert ex['description'] == 'from a string'
    done = wait_for_execution(api, ex['id'])
    assert loads(done['output']) == {'greeting': 'Hello, Cy?'}


def test_input_and_params_as_objects(api, hello) -> None:
    resp = post(api, {'workflow_name': hello['name'],
                      'input': {'name': 'Di'},
                      'params': {'env': {'region': 'south'}}})
    assert resp.status_code == 201, resp.text
    ex = resp.json()
    assert loads(ex['params'])['env'] == {'region': 'south'}
    done = wait_for_execution(api, ex['id'])
    assert loads(done['output']) == {'greeting': 'Hello, Di!'}


def test_client_supplied_id_is_idempotent(api, hello) -> None:
    ex_id = str(uuid.uuid4())
    first = post(api, {'id': ex_id, 'workflow_name': hello['name'],
                       'input': {'name': 'Ed'}})
    assert first.status_code == 201, first.text
    assert first.json()['id'] == ex_id
    wait_for_execution(api, ex_id)
    second = post(api, {'id': ex_id, 'workflow_name': hello['name'],
                        'input': {'name': 'Someone else'}})
    assert second.status_code in (200, 201), second.text
    assert second.json()['id'] == ex_id
    assert loads(second.json()['input'])['name'] == 'Ed'
    same = [e for e in executions_of(api, hello['id']) if e['id'] == ex_id]
    assert len(same) == 1
    assert loads(get_execution(api, ex_id)['output']) == \
        {'greeting': 'Hello, Ed!'}


@pytest.mark.parametrize('body', [
    {}, {'input': {'name': 'x'}}, {'workflow_name': ''},
    {'workflow_name': None, 'workflow_id': None},
])
def test_missing_workflow_is_400(api, body) -> None:
    resp = post(api, body)
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring'] == MISSING_WF


def test_unknown_workflow_is_404(api) -> None:
    for body in ({'workflow_name': 'no_such_workflow_here'},
                 {'workflow_id': str(uuid.uuid4())}):
        resp = post(api, body)
        assert resp.status_code == 404, resp.text
        assert 'Workflow not found' in resp.json()['faultstring']


@pytest.mark.parametrize('wf_input,words', [
    ({}, ['missing', 'name']),
    ({'punctuation': '.'}, ['missing', 'name']),
    ({'name': 'x', 'colour': 'red'}, ['unexpected', 'colour']),
])
def test_bad_input_is_400_and_nothing_is_created(api, hello, wf_input,
                                                 words) -> None:
    before = len(executions_of(api, hello['id']))
    resp = post(api, {'workflow_id': hello['id'], 'input': wf_input})
    assert resp.status_code == 400, resp.text
    fault = resp.json()['faultstring']
    assert 'Invalid input' in fault, fault
    for word in words:
        assert word in fault, fault
    assert len(executions_of(api, hello['id'])) == before


@pytest.mark.parametrize('field,value', [
    ('input', [1, 2]), ('input', '[1, 2]'), ('input', 'not json {'),
    ('params', 'true'), ('params', ['env']),
])
def test_input_or_params_that_are_not_objects_are_400(api, hello, field,
                                                      value) -> None:
    before = len(executions_of(api, hello['id']))
    body = {'workflow_id': hello['id'], 'input': {'name': 'x'}}
    body[field] = value
    resp = post(api, body)
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring']
    assert len(executions_of(api, hello['id'])) == before


def test_malformed_json_body_is_400(api) -> None:
    resp = requests.post(f'{api}/executions', data='{"workflow_name": ',
                         headers={'Content-Type': 'application/json'},
                         timeout=5)
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring']


def test_array_body_is_400(api) -> None:
    resp = requests.post(f'{api}/executions', data='[1, 2]',
                         headers={'Content-Type': 'application/json'},
                         timeout=5)
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring']


def test_unknown_body_attribute_is_400(api, hello) -> None:
    resp = post(api, {'workflow_id': hello['id'], 'input': {'name': 'x'},
                      'colour': 'red'})
    assert resp.status_code == 400, resp.text
    assert 'colour' in resp.json()['faultstring']


# -- read ----------------------------------------------------------------

@pytest.fixture(scope='module')
def finished(api, hello) -> dict:
    ex = start_execution(api, hello['name'], {'name': 'Flo'},
                         description='for reading')
    return wait_for_execution(api, ex['id'])


def test_get_one(api, finished) -> None:
    resp = requests.get(f'{api}/executions/{finished["id"]}', timeout=5)
    assert resp.status_code == 200
    ex = resp.json()
    for field in ('input', 'output', 'params', 'published_global'):
        assert isinstance(ex[field], str), (field, ex[field])
    assert loads(ex['input']) == {'name': 'Flo', 'punctuation': '!'}
    assert loads(ex['output']) == {'greeting': 'Hello, Flo!'}
    assert ex['description'] == 'for reading'
    assert ex['state'] == 'SUCCESS'
    assert TIMESTAMP.match(ex['created_at'])
    assert TIMESTAMP.match(ex['updated_at'])
    assert set(ex) >= {
        'id', 'workflow_id', 'workflow_name', 'workflow_namespace',
        'description', 'tags', 'params', 'task_execution_id',
        'root_execution_id', 'source_execution_id', 'state', 'state_info',
        'input', 'output', 'created_at', 'updated_at', 'project_id'}

    part = requests.get(f'{api}/executions/{finished["id"]}',
                        params={'fields': 'state,output'}, timeout=5).json()
    assert set(part) == {'id', 'state', 'output'}
    assert loads(part['output']) == {'greeting': 'Hello, Flo!'}


def test_get_unknown_is_404(api) -> None:
    resp = requests.get(f'{api}/executions/{uuid.uuid4()}', timeout=5)
    assert resp.status_code == 404
    assert 'not found' in resp.json()['faultstring']


def test_list_include_output_and_state_filter(api, hello, finished) -> None:
    params = {'workflow_id': hello['id']}
    listed = requests.get(f'{api}/executions', params=params,
                          timeout=5).json()['executions']
    assert finished['id'] in [e['id'] for e in listed]
    for ex in listed:
        assert 'output' not in ex, ex
        assert 'published_global' not in ex
        assert isinstance(ex['input'], str)

    with_output = requests.get(
        f'{api}/executions', params={**params, 'include_output': 'true'},
        timeout=5).json()['executions']
    mine = [e for e in with_output if e['id'] == finished['id']]
    assert len(mine) == 1
    assert loads(mine[0]['output']) == {'greeting': 'Hello, Flo!'}

    success = requests.get(f'{api}/executions',
                           params={**params, 'state': 'SUCCESS'},
                           timeout=5).json()['executions']
    assert finished['id'] in [e['id'] for e in success]
    assert {e['state'] for e in success} == {'SUCCESS'}
    for state in ('ERROR', 'in:RUNNING,PAUSED'):
        other = requests.get(f'{api}/executions',
                             params={**params, 'state': state},
                             timeout=5).json()['executions']
        assert finished['id'] not in [e['id'] for e in other]
    neq = requests.get(f'{api}/executions',
                       params={**params, 'state': 'neq:SUCCESS'},
                       timeout=5).json()['executions']
    assert all(e['state'] != 'SUCCESS' for e in neq)


def test_list_pagination(api, hello) -> None:
    ids = set()
    for i in range(3):
        ids.add(start_execution(api, hello['name'], {'name': f'p{i}'})['id'])
    seen: list[str] = []
    url, params = f'{api}/executions', {'workflow_id': hello['id'],
                                         'limit': 2}
    while url:
        body = requests.get(url, params=params, timeout=5).json()
        seen.extend(e['id'] for e in body['executions'])
        url, params = body.get('next'), None
        assert len(seen) < 100
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))
    assert len(seen) == len(executions_of(api, hello['id']))
    for ex_id in ids:
        wait_for_execution(api, ex_id)


# -- update --------------------------------------------------------------

def test_pause_resume(api, slow) -> None:
    ex = start_execution(api, slow['name'], {'seconds': 0.4})
    resp = requests.put(f'{api}/executions/{ex["id"]}',
                        json={'state': 'PAUSED'}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()['state'] == 'PAUSED'
    # The running sleep finishes, but no next task starts while paused.
    def one_finished() -> bool:
        tasks = requests.get(f'{api}/executions/{ex["id"]}/tasks',
                             params={'name': 'one'}, timeout=5).json()
        return [t['state'] for t in tasks['tasks']] == ['SUCCESS']

    wait_until(one_finished, timeout=10,
               message='task one to finish while paused')
    assert get_execution(api, ex['id'])['state'] == 'PAUSED'
    assert task_names(api, ex['id']) == ['one']

    resp = requests.put(f'{api}/executions/{ex["id"]}',
                        json={'state': 'RUNNING'}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()['state'] == 'RUNNING'
    done = wait_for_execution(api, ex['id'], timeout=20)
    assert done['state'] == 'SUCCESS', done['state_info']
    assert task_names(api, ex['id']) == ['one', 'two', 'three']


def test_cancel(api, slow) -> None:
    ex = start_execution(api, slow['name'], {'seconds': 0.3})
    resp = requests.put(f'{api}/executions/{ex["id"]}',
                        json={'state': 'CANCELLED',
                              'state_info': 'not needed'}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()['state'] == 'CANCELLED'
    got = get_execution(api, ex['id'])
    assert got['state'] == 'CANCELLED'
    assert got['state_info'] == 'not needed'
    # Nothing runs after the cancel.
    assert 'three' not in task_names(api, ex['id'])


def test_cancel_sets_output_result(api, slow) -> None:
    ex = start_execution(api, slow['name'], {'seconds': 0.3})
    resp = requests.put(f'{api}/executions/{ex["id"]}',
                        json={'state': 'CANCELLED',
                              'state_info': 'not needed'}, timeout=10)
    assert resp.status_code == 200, resp.text
    got = get_execution(api, ex['id'])
    assert loads(got['output']) == {'result': 'not needed'}


def test_update_description(api, finished) -> None:
    resp = requests.put(f'{api}/executions/{finished["id"]}',
                        json={'description': 'renamed'}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()['description'] == 'renamed'
    assert get_execution(api, finished['id'])['description'] == 'renamed'


@pytest.mark.parametrize('body,words', [
    ({'state': 'BOGUS'}, ['Cannot change state to BOGUS']),
    ({}, ['state, description or env']),
    ({'state': 'PAUSED', 'description': 'x'}, ['Description']),
])
def test_bad_update_is_400(api, finished, body, words) -> None:
    resp = requests.put(f'{api}/executions/{finished["id"]}', json=body,
                        timeout=10)
    assert resp.status_code == 400, resp.text
    for word in words:
        assert word in resp.json()['faultstring']


def test_update_with_array_body_is_400(api, finished) -> None:
    resp = requests.put(f'{api}/executions/{finished["id"]}', data='[1]',
                        headers={'Content-Type': 'application/json'},
                        timeout=10)
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring']


def test_update_unknown_is_404(api) -> None:
    resp = requests.put(f'{api}/executions/{uuid.uuid4()}',
                        json={'state': 'PAUSED'}, timeout=10)
    assert resp.status_code == 404, resp.text


# -- delete --------------------------------------------------------------

def test_delete_running_needs_force(api, slow) -> None:
    ex = start_execution(api, slow['name'], {'seconds': 0.5})
    resp = requests.delete(f'{api}/executions/{ex["id"]}', timeout=10)
    assert resp.status_code == 400, resp.text
    assert resp.json()['faultstring'] == (
        'Only completed executions can be deleted. Use --force to override '
        'this.')
    assert get_execution(api, ex['id'])['state'] == 'RUNNING'

    resp = requests.delete(f'{api}/executions/{ex["id"]}',
                           params={'force': 'true'}, timeout=10)
    assert resp.status_code == 204, resp.text
    assert requests.get(f'{api}/executions/{ex["id"]}',
                        timeout=5).status_code == 404
    assert requests.get(f'{api}/executions/{ex["id"]}/tasks',
                        timeout=5).status_code == 404


def test_delete_completed(api, hello) -> None:
    ex = start_execution(api, hello['name'], {'name': 'Gus'})
    wait_for_execution(api, ex['id'])
    resp = requests.delete(f'{api}/executions/{ex["id"]}', timeout=10)
    assert resp.status_code == 204, resp.text
    assert requests.get(f'{api}/executions/{ex["id"]}',
                        timeout=5).status_code == 404
    again = requests.delete(f'{api}/executions/{ex["id"]}', timeout=10)
    assert again.status_code == 404

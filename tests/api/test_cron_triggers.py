"""/v2/cron_triggers against a real server, and a trigger fired by the
server's own `periodic` service."""
from __future__ import annotations

import datetime
import json
import re

import pytest
import requests
import sqlalchemy as sa

from mistral.db import models
from mistral.db.store import Store
from tests.server import (create_workflows, loads, wait_for_execution,
                          wait_until)

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')


def wf_definition(name: str) -> str:
    return f"""---
version: '2.0'
{name}:
  input:
    - greeting
    - who: world
  tasks:
    say:
      action: std.echo output="<% $.greeting %> <% $.who %>"
      publish:
        said: <% task().result %>
  output:
    said: <% $.said %>
"""


@pytest.fixture(scope='module')
def workflow(api) -> dict:
    wf, = create_workflows(api, wf_definition('cron_wf'))
    return wf


def in_minutes(minutes: int) -> str:
    return (models.utcnow() + datetime.timedelta(minutes=minutes)) \
        .strftime('%Y-%m-%d %H:%M')


def create(api: str, **body) -> requests.Response:
    return requests.post(f'{api}/cron_triggers', json=body, timeout=10)


def created(api: str, **body) -> dict:
    resp = create(api, **body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def fault(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    return resp.json()['faultstring']


def test_create_get_list_delete(api, workflow, uniq) -> None:
    name = f'ct_{uniq}'
    trigger = created(api, name=name, workflow_name='cron_wf',
                      workflow_input={'greeting': 'hi'},
                      workflow_params={'env': {'k': 'v'}},
                      pattern='*/5 * * * *', remaining_executions=3)
    assert trigger['name'] == name
    assert trigger['workflow_name'] == 'cron_wf'
    assert trigger['workflow_id'] == workflow['id']
    assert loads(trigger['workflow_input']) == {'greeting': 'hi'}
    assert loads(trigger['workflow_params']) == {'env': {'k': 'v'}}
    assert trigger['pattern'] == '*/5 * * * *'
    assert trigger['remaining_executions'] == 3
    assert trigger['scope'] == 'private'
    assert trigger['project_id']
    assert trigger.get('first_execution_time') is None
    assert TIMESTAMP.match(trigger['next_execution_time'])
    assert TIMESTAMP.match(trigger['created_at'])
    nxt = datetime.datetime.strptime(trigger['next_execution_time'],
                                     '%Y-%m-%d %H:%M:%S')
    assert nxt.minute % 5 == 0 and nxt.second == 0
    assert nxt > models.utcnow() - datetime.timedelta(seconds=5)

    for ref in (name, trigger['id']):
        resp = requests.get(f'{api}/cron_triggers/{ref}', timeout=5)
        assert resp.status_code == 200, resp.text
        assert resp.json()['id'] == trigger['id']
    resp = requests.get(f'{api}/cron_triggers/{name}',
                        params={'fields': 'pattern'}, timeout=5)
    assert resp.json() == {'id': trigger['id'], 'pattern': '*/5 * * * *'}

    resp = requests.get(f'{api}/cron_triggers', params={'name': name},
                        timeout=5)
    assert resp.status_code == 200, resp.text
    assert [t['id'] for t in resp.json()['cron_triggers']] == \
        [trigger['id']]
    resp = requests.get(f'{api}/cron_triggers',
                        params={'workflow_id': workflow['id'],
                                'pattern': '*/5 * * * *'}, timeout=5)
    assert trigger['id'] in [t['id'] for t in resp.json()['cron_triggers']]

    resp = requests.delete(f'{api}/cron_triggers/{name}', timeout=5)
    assert resp.status_code == 204, resp.text
    fault(requests.get(f'{api}/cron_triggers/{name}', timeout=5), 404)
    fault(requests.delete(f'{api}/cron_triggers/{name}', timeout=5), 404)


def test_first_time_only_means_one_execution(api, workflow, uniq) -> None:
    first = in_minutes(3)
    trigger = created(api, name=f'ct_once_{uniq}', workflow_id=workflow['id'],
                      workflow_input={'greeting': 'hi'},
                      first_execution_time=first)
    assert trigger['remaining_executions'] == 1
    assert trigger['pattern'] is None
    assert trigger['first_execution_time'] == f'{first}:00'
    assert trigger['next_execution_time'] == f'{first}:00'


def test_first_time_with_pattern(api, workflow, uniq) -> None:
    first = in_minutes(3)
    trigger = created(api, name=f'ct_fp_{uniq}', workflow_name='cron_wf',
                      workflow_input={'greeting': 'hi'},
                      first_execution_time=first, pattern='0 * * * *')
    assert trigger['next_execution_time'] == f'{first}:00'
    assert trigger['remaining_executions'] is None


def test_list_paging_and_fields(api, workflow, uniq) -> None:
    names = [f'ct_page_{uniq}_{i}' for i in range(3)]
    for i, n in enumerate(names):
        created(api, name=n, workflow_name='cron_wf',
                workflow_input={'greeting': str(i)}, pattern='0 0 * * *')
    resp = requests.get(f'{api}/cron_triggers',
                        params={'name': f'in:{",".join(names)}', 'limit': 2,
                                'sort_keys': 'name', 'fields': 'name'},
                        timeout=5)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert [t['name'] for t in page['cron_triggers']] == names[:2]
    assert set(page['cron_triggers'][0]) == {'id', 'name'}
    assert 'marker=' in page['next']
    resp = requests.get(page['next'], timeout=5)
    assert [t['name'] for t in resp.json()['cron_triggers']] == names[2:]
    fault(requests.get(f'{api}/cron_triggers', params={'fields': 'nope'},
                       timeout=5), 400)
    fault(requests.get(f'{api}/cron_triggers', params={'limit': 'x'},
                       timeout=5), 400)


def test_duplicate_name_is_409(api, workflow, uniq) -> None:
    body = dict(name=f'ct_dup_{uniq}', workflow_name='cron_wf',
                workflow_input={'greeting': 'hi'}, pattern='0 * * * *')
    created(api, **body)
    message = fault(create(api, **{**body, 'pattern': '1 * * * *'}), 409)
    assert 'Duplicate entry for CronTrigger' in message


def test_same_trigger_under_another_name_is_409(api, workflow, uniq) -> None:
    body = dict(workflow_name='cron_wf', workflow_input={'greeting': uniq},
                pattern='7 * * * *')
    created(api, name=f'ct_same_a_{uniq}', **body)
    fault(create(api, name=f'ct_same_b_{uniq}', **body), 409)


@pytest.mark.parametrize('body, message', [
    ({}, 'Pattern or first_execution_time must be specified.'),
    ({'first_execution_time': '2000-01-01 00:00'},
     'first_execution_time must be at least 1 minute in the future.'),
    ({'first_execution_time': 'soon'},
     "Invalid first_execution_time 'soon'"),
    ({'first_execution_time': 'FUTURE', 'remaining_executions': 2},
     'Pattern must be provided if count is superior to 1.'),
    ({'pattern': 'not a pattern'},
     'The specified pattern is not valid: not a pattern'),
    ({'pattern': '61 * * * *'},
     'The specified pattern is not valid: 61 * * * *'),
    ({'pattern': '* * * * * *'},
     'The specified pattern is not valid: * * * * * *'),
    ({'pattern': 12}, "'pattern' must be a string"),
    ({'pattern': '* * * * *', 'remaining_executions': 0},
     'remaining_executions must be at least 1'),
    ({'pattern': '* * * * *', 'remaining_executions': 'many'},
     'remaining_executions must be an integer'),
    ({'pattern': '* * * * *', 'scope': 'everyone'}, 'Scope must be one of'),
    ({'pattern': '* * * * *', 'workflow_input': [1]},
     "'workflow_input' must be a JSON object"),
    ({'pattern': '* * * * *', 'workflow_params': 'nope'},
     "'workflow_params' is not valid JSON"),
    ({'pattern': '* * * * *', 'bogus': 1},
     'Unknown attribute for argument cron_trigger: bogus'),
    ({'pattern': '* * * * *', 'workflow_input': {}},
     "Invalid input [name=cron_wf, class=WorkflowSpec, "
     "missing=['greeting']]"),
    ({'pattern': '* * * * *', 'workflow_input': {'greeting': 1, 'x': 2}},
     "Invalid input [name=cron_wf, class=WorkflowSpec, "
     "unexpected=['x']]"),
])
def test_validation_errors_are_400(api, workflow, uniq, body,
                                   message) -> None:
    full = {'name': f'ct_bad_{uniq}', 'workflow_name': 'cron_wf',
            'workflow_input': {'greeting': 'hi'}, **body}
    if full.get('first_execution_time') == 'FUTURE':
        full['first_execution_time'] = in_minutes(3)
    assert message in fault(create(api, **full), 400)
    fault(requests.get(f'{api}/cron_triggers/ct_bad_{uniq}', timeout=5),
          404)


def test_missing_name_and_workflow(api, workflow) -> None:
    assert 'Name of the cron trigger is not provided.' in fault(
        create(api, workflow_name='cron_wf', pattern='* * * * *'), 400)
    assert 'Workflow ID or workflow name must be provided.' in fault(
        create(api, name='ct_nowf', pattern='* * * * *'), 400)


def test_malformed_bodies(api) -> None:
    resp = requests.post(f'{api}/cron_triggers', data=b'[1, 2]',
                         headers={'Content-Type': 'application/json'},
                         timeout=5)
    fault(resp, 400)
    resp = requests.post(f'{api}/cron_triggers', data=b'{nope',
                         headers={'Content-Type': 'application/json'},
                         timeout=5)
    fault(resp, 400)


def test_unknown_workflow_and_trigger_are_404(api, uniq) -> None:
    fault(create(api, name=f'ct_nowf_{uniq}', workflow_name='no_such_wf',
                 pattern='* * * * *'), 404)
    fault(create(api, name=f'ct_nowf_{uniq}',
                 workflow_id='00000000-0000-0000-0000-000000000000',
                 pattern='* * * * *'), 404)
    fault(requests.get(f'{api}/cron_triggers/nope_{uniq}', timeout=5), 404)
    fault(requests.get(f'{api}/cron_triggers/x/y', timeout=5), 404)


def test_no_put(api, workflow, uniq) -> None:
    trigger = created(api, name=f'ct_put_{uniq}', workflow_name='cron_wf',
                      workflow_input={'greeting': 'hi'}, pattern='0 0 * * *')
    resp = requests.put(f'{api}/cron_triggers/{trigger["id"]}',
                        json={'pattern': '* * * * *'}, timeout=5)
    assert resp.status_code in (404, 405), resp.text


def test_server_fires_a_due_trigger(api, server, uniq) -> None:
    wf_name = f'cron_fire_{uniq}'
    create_workflows(api, wf_definition(wf_name))
    trigger = created(api, name=f'ct_fire_{uniq}', workflow_name=wf_name,
                      workflow_input={'greeting': 'hello'},
                      pattern='* * * * *', first_execution_time=in_minutes(3),
                      remaining_executions=1)
    # Make it due now rather than waiting minutes for the clock.
    store = Store.from_url(server.db_url)
    try:
        store.run_in_transaction(lambda s: s.execute(
            sa.update(models.CronTrigger)
            .where(models.CronTrigger.id == trigger['id'])
            .values(next_execution_time=models.utcnow()
                    - datetime.timedelta(seconds=5))))
    finally:
        store.dispose()

    def executions():
        resp = requests.get(f'{api}/executions',
                            params={'workflow_name': wf_name}, timeout=5)
        assert resp.status_code == 200, resp.text
        return resp.json()['executions']

    found = wait_until(executions, timeout=20, interval=0.2,
                       message='an execution started by the cron trigger')
    ex, = found
    assert json.loads(ex['description']) == {
        'description': "Workflow execution created by cron trigger "
                       f"'({trigger['id']})'.",
        'triggered_by': {'type': 'cron_trigger', 'id': trigger['id']}}
    done = wait_for_execution(api, ex['id'])
    assert done['state'] == 'SUCCESS', done
    assert loads(done['output']) == {'said': 'hello world'}
    # Its only execution used, the trigger is gone.
    fault(requests.get(f'{api}/cron_triggers/{trigger["id"]}', timeout=5),
          404)

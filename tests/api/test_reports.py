"""Execution trees against a real server: /v2/executions/<id>/executions,
/v2/executions/<id>/report, /v2/tasks/<id>/executions,
/v2/tasks/<id>/workflow_executions and
/v2/tasks/<id>/action_executions/<id>."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.server import (create_workflows, loads, run_workflow,
                          start_execution, wait_for_execution)

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')
STAT_KEYS = {'total_tasks_count', 'running_tasks_count',
             'success_tasks_count', 'error_tasks_count', 'idle_tasks_count',
             'paused_tasks_count', 'estimated_time'}
ENTRY_KEYS = {'id', 'name', 'created_at', 'updated_at', 'state',
              'state_info'}


def get(url: str, **params) -> dict:
    resp = requests.get(url, params=params, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def fault(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    return resp.json()['faultstring']


@pytest.fixture(scope='module')
def tree(api) -> dict:
    """parent -> (call_child -> child -> (a, call_grand -> grand -> g),
    echo). All succeed."""
    sfx = uuid.uuid4().hex[:8]
    names = {k: f'{k}_{sfx}' for k in ('parent', 'child', 'grand')}
    create_workflows(api, f"""version: '2.0'
{names['grand']}:
  output:
    deep: yes
  tasks:
    g:
      action: std.noop
{names['child']}:
  tasks:
    a:
      action: std.echo output=1
      on-success: call_grand
    call_grand:
      workflow: {names['grand']}
{names['parent']}:
  tasks:
    call_child:
      workflow: {names['child']}
      on-success: echo
    echo:
      action: std.echo output=done
""")
    ex = run_workflow(api, names['parent'])
    assert ex['state'] == 'SUCCESS', ex['state_info']
    tasks = {t['name']: t for t in get(
        f'{api}/executions/{ex["id"]}/tasks')['tasks']}
    child = get(f'{api}/executions',
                task_execution_id=tasks['call_child']['id'])['executions'][0]
    child_tasks = {t['name']: t for t in get(
        f'{api}/executions/{child["id"]}/tasks')['tasks']}
    grand = get(f'{api}/executions',
                task_execution_id=child_tasks['call_grand']['id'])[
        'executions'][0]
    return {'names': names, 'parent': ex, 'child': child, 'grand': grand,
            'tasks': tasks, 'child_tasks': child_tasks}


@pytest.fixture(scope='module')
def failing(api) -> dict:
    """top -> (ok, call_bad -> bad -> (fine, boom: std.fail retried 2
    times))."""
    sfx = uuid.uuid4().hex[:8]
    top, bad = f'top_{sfx}', f'bad_{sfx}'
    create_workflows(api, f"""version: '2.0'
{bad}:
  tasks:
    fine:
      action: std.noop
      on-success: boom
    boom:
      action: std.fail error_data="it broke"
      retry:
        count: 2
        delay: 0
{top}:
  tasks:
    ok:
      action: std.noop
    call_bad:
      workflow: {bad}
""")
    ex = run_workflow(api, top, timeout=30)
    assert ex['state'] == 'ERROR', ex
    return {'top': ex, 'names': (top, bad)}


# -- /v2/executions/<id>/executions ------------------------------------------

def sub_ids(api: str, ex_id: str, **params) -> list[str]:
    return [e['id'] for e in get(f'{api}/executions/{ex_id}/executions',
                                 **params)['executions']]


def test_sub_executions_flat_list(api, tree) -> None:
    ids = [tree['parent']['id'], tree['child']['id'], tree['grand']['id']]
    body = get(f'{api}/executions/{tree["parent"]["id"]}/executions')
    assert [e['id'] for e in body['executions']] == ids
    first = body['executions'][0]
    assert first['workflow_name'] == tree['names']['parent']
    assert 'output' not in first
    assert isinstance(first['input'], str)
    assert body['executions'][1]['task_execution_id'] == \
        tree['tasks']['call_child']['id']
    # From the middle of the tree down.
    assert sub_ids(api, tree['child']['id']) == ids[1:]


def test_sub_executions_depth_errors_output(api, tree) -> None:
    root = tree['parent']['id']
    ids = [root, tree['child']['id'], tree['grand']['id']]
    assert sub_ids(api, root, max_depth=0) == ids[:1]
    assert sub_ids(api, root, max_depth=1) == ids[:2]
    assert sub_ids(api, root, max_depth=2) == ids
    assert sub_ids(api, root, max_depth=-1) == ids
    assert sub_ids(api, root, errors_only='true') == ids[:1]
    body = get(f'{api}/executions/{root}/executions', include_output='true')
    assert loads(body['executions'][2]['output']) == {'deep': True}


def test_sub_executions_errors_only(api, failing) -> None:
    top = failing['top']['id']
    everything = get(f'{api}/executions/{top}/executions')['executions']
    assert [e['workflow_name'] for e in everything] == list(
        failing['names'])
    errors = get(f'{api}/executions/{top}/executions',
                 errors_only='true')['executions']
    assert [e['state'] for e in errors] == ['ERROR', 'ERROR']


def test_sub_executions_bad_params(api, tree) -> None:
    root = tree['parent']['id']
    resp = requests.get(f'{api}/executions/{root}/executions',
                        params={'max_depth': 'deep'}, timeout=5)
    assert 'max_depth' in fault(resp, 400)
    resp = requests.get(f'{api}/executions/{root}/executions',
                        params={'errors_only': 'maybe'}, timeout=5)
    assert 'errors_only' in fault(resp, 400)
    resp = requests.get(f'{api}/executions/{uuid.uuid4()}/executions',
                        timeout=5)
    assert 'not found' in fault(resp, 404)


# -- /v2/executions/<id>/report ----------------------------------------------

def test_report_shape(api, tree) -> None:
    report = get(f'{api}/executions/{tree["parent"]["id"]}/report')
    assert set(report) == {'statistics', 'root_workflow_execution'}
    assert report['statistics'] == {
        'total_tasks_count': 5, 'running_tasks_count': 0,
        'success_tasks_count': 5, 'error_tasks_count': 0,
        'idle_tasks_count': 0, 'paused_tasks_count': 0,
        'estimated_time': 0}
    root = report['root_workflow_execution']
    assert set(root) == ENTRY_KEYS | {'task_executions'}
    assert root['id'] == tree['parent']['id']
    assert root['name'] == tree['names']['parent']
    assert root['state'] == 'SUCCESS'
    assert TIMESTAMP.match(root['created_at'])
    assert [t['name'] for t in root['task_executions']] == \
        ['call_child', 'echo']
    call_child, echo = root['task_executions']
    assert set(echo) == ENTRY_KEYS | {'action_executions',
                                      'workflow_executions', 'retry_count'}
    assert echo['retry_count'] == 0
    assert echo['workflow_executions'] == []
    (action,) = echo['action_executions']
    assert action['name'] == 'std.echo'
    assert action['state'] == 'SUCCESS'
    assert action['accepted'] is True
    assert {'id', 'name', 'created_at', 'updated_at', 'state',
            'accepted'} <= set(action)
    assert call_child['action_executions'] == []
    (child,) = call_child['workflow_executions']
    assert child['id'] == tree['child']['id']
    assert [t['name'] for t in child['task_executions']] == \
        ['a', 'call_grand']
    (grand,) = child['task_executions'][1]['workflow_executions']
    assert grand['id'] == tree['grand']['id']
    assert [t['name'] for t in grand['task_executions']] == ['g']


def test_report_max_depth(api, tree) -> None:
    report = get(f'{api}/executions/{tree["parent"]["id"]}/report',
                 max_depth=0)
    assert report['statistics']['total_tasks_count'] == 2
    root = report['root_workflow_execution']
    (child,) = root['task_executions'][0]['workflow_executions']
    # Sub-workflows deeper than max_depth are listed without tasks.
    assert child['id'] == tree['child']['id']
    assert 'task_executions' not in child
    report = get(f'{api}/executions/{tree["parent"]["id"]}/report',
                 max_depth=1)
    assert report['statistics']['total_tasks_count'] == 4


def test_report_statistics_only(api, tree) -> None:
    report = get(f'{api}/executions/{tree["parent"]["id"]}/report',
                 statistics_only='true')
    assert set(report) == {'statistics'}
    assert set(report['statistics']) == STAT_KEYS
    assert report['statistics']['success_tasks_count'] == 5


def test_report_errors_and_retries(api, failing) -> None:
    top = failing['top']['id']
    report = get(f'{api}/executions/{top}/report')
    stats = report['statistics']
    # top: ok, call_bad; bad: fine, boom
    assert stats['total_tasks_count'] == 4
    assert stats['error_tasks_count'] == 2
    assert stats['success_tasks_count'] == 2
    root = report['root_workflow_execution']
    assert root['state'] == 'ERROR'
    by_name = {t['name']: t for t in root['task_executions']}
    (bad,) = by_name['call_bad']['workflow_executions']
    boom = {t['name']: t for t in bad['task_executions']}['boom']
    assert boom['state'] == 'ERROR'
    assert boom['retry_count'] == 2
    assert len(boom['action_executions']) == 3  # first run + 2 retries
    assert all(a['state'] == 'ERROR' for a in boom['action_executions'])

    errors = get(f'{api}/executions/{top}/report', errors_only='true')
    assert errors['statistics']['total_tasks_count'] == 2
    assert errors['statistics']['error_tasks_count'] == 2
    root = errors['root_workflow_execution']
    assert [t['name'] for t in root['task_executions']] == ['call_bad']
    (bad,) = root['task_executions'][0]['workflow_executions']
    assert [t['name'] for t in bad['task_executions']] == ['boom']


def test_report_estimated_time(api, uniq) -> None:
    name = f'slow_{uniq}'
    create_workflows(api, f"""version: '2.0'
{name}:
  tasks:
    nap:
      action: std.sleep seconds=1
""")
    # No finished execution of this workflow yet: unknown.
    ex = start_execution(api, name)
    stats = get(f'{api}/executions/{ex["id"]}/report',
                statistics_only='true')['statistics']
    assert stats['estimated_time'] == -1
    assert wait_for_execution(api, ex['id'])['state'] == 'SUCCESS'
    # With history: a non-negative estimate while running, 0 when done.
    ex2 = start_execution(api, name)
    stats = get(f'{api}/executions/{ex2["id"]}/report')['statistics']
    assert stats['estimated_time'] >= 0
    wait_for_execution(api, ex2['id'])
    stats = get(f'{api}/executions/{ex2["id"]}/report')['statistics']
    assert stats['estimated_time'] == 0


def test_report_unknown_execution(api) -> None:
    resp = requests.get(f'{api}/executions/{uuid.uuid4()}/report',
                        timeout=5)
    assert 'not found' in fault(resp, 404)
    resp = requests.get(f'{api}/executions/{uuid.uuid4()}/report',
                        params={'max_depth': 'x'}, timeout=5)
    fault(resp, 400)


# -- /v2/tasks/<id>/... -------------------------------------------------------

def test_task_sub_executions(api, tree) -> None:
    call_child = tree['tasks']['call_child']['id']
    body = get(f'{api}/tasks/{call_child}/executions')
    assert [e['id'] for e in body['executions']] == \
        [tree['child']['id'], tree['grand']['id']]
    body = get(f'{api}/tasks/{call_child}/executions', max_depth=0)
    assert [e['id'] for e in body['executions']] == [tree['child']['id']]
    assert get(f'{api}/tasks/{call_child}/executions',
               errors_only='true')['executions'] == []
    echo = tree['tasks']['echo']['id']
    assert get(f'{api}/tasks/{echo}/executions')['executions'] == []
    resp = requests.get(f'{api}/tasks/{uuid.uuid4()}/executions',
                        timeout=5)
    assert 'not found' in fault(resp, 404)


def test_task_workflow_executions(api, tree) -> None:
    call_child = tree['tasks']['call_child']['id']
    body = get(f'{api}/tasks/{call_child}/workflow_executions')
    (child,) = body['executions']
    assert child['id'] == tree['child']['id']
    assert child['task_execution_id'] == call_child
    assert 'output' not in child
    body = get(f'{api}/tasks/{call_child}/workflow_executions',
               include_output='true', fields='state,output')
    assert set(body['executions'][0]) == {'id', 'state', 'output'}
    assert get(f'{api}/tasks/{call_child}/workflow_executions',
               state='ERROR')['executions'] == []
    body = get(f'{api}/tasks/{call_child}/workflow_executions', limit=1)
    assert 'task_execution_id=' in body['next']
    assert get(f'{api}/tasks/{tree["tasks"]["echo"]["id"]}/'
               'workflow_executions')['executions'] == []
    resp = requests.get(f'{api}/tasks/{uuid.uuid4()}/workflow_executions',
                        timeout=5)
    assert 'not found' in fault(resp, 404)
    resp = requests.get(f'{api}/tasks/{call_child}/workflow_executions',
                        params={'limit': 'x'}, timeout=5)
    fault(resp, 400)


def test_task_action_execution_by_id(api, tree) -> None:
    echo = tree['tasks']['echo']['id']
    (listed,) = get(f'{api}/tasks/{echo}/action_executions')[
        'action_executions']
    one = get(f'{api}/tasks/{echo}/action_executions/{listed["id"]}')
    assert one['id'] == listed['id']
    assert one['task_execution_id'] == echo
    assert loads(one['output']) == {'result': 'done'}
    assert one == get(f'{api}/action_executions/{listed["id"]}')
    part = get(f'{api}/tasks/{echo}/action_executions/{listed["id"]}',
               fields='state')
    assert set(part) == {'id', 'state'}
    # An action execution of another task is not found under this one.
    other = tree['child_tasks']['a']['id']
    resp = requests.get(
        f'{api}/tasks/{other}/action_executions/{listed["id"]}', timeout=5)
    assert 'not found' in fault(resp, 404)
    resp = requests.get(
        f'{api}/tasks/{echo}/action_executions/{listed["id"]}/more',
        timeout=5)
    fault(resp, 404)
    resp = requests.get(
        f'{api}/tasks/{uuid.uuid4()}/action_executions/{listed["id"]}',
        timeout=5)
    fault(resp, 404)

"""List endpoints against a real server: every filter operator, keyset
pagination across pages (nothing lost or repeated, also over columns
holding NULL), `fields`, `include_output`, `nulls`, the `[api] max_limit`
cap, and the error codes with their `faultstring`.

The server of this module runs with `[api] max_limit = 5`."""
from __future__ import annotations

import json
import urllib.parse
import uuid

import pytest
import requests

from tests.server import (MistralServer, create_workflows, loads,
                          run_workflow, wait_until)

MAX_LIMIT = 5
TEXT = {'Content-Type': 'text/plain'}


@pytest.fixture(scope='module')
def server(tmp_path_factory) -> MistralServer:
    workdir = tmp_path_factory.mktemp('lists-server')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite',
                        extra={'api': {'max_limit': MAX_LIMIT}})
    srv.start()
    yield srv
    srv.stop()


def get(api: str, path: str, status: int = 200, **params) -> dict:
    resp = requests.get(f'{api}{path}', params=params, timeout=10)
    assert resp.status_code == status, resp.text
    return resp.json()


def names(api: str, **params) -> list[str]:
    return [w['name'] for w in get(api, '/workflows', **params)['workflows']]


def walk(api: str, resource: str, key: str | None = None,
         **params) -> list[dict]:
    """Every item of a list, page by page, following the `next` links."""
    items: list[dict] = []
    page = get(api, f'/{resource}', **params)
    pages = 1
    while True:
        items += page[key or resource]
        if 'next' not in page:
            return items
        # A page with a next link is full.
        assert len(page[key or resource]) == int(params['limit'])
        assert page['next'] is not None
        resp = requests.get(page['next'], timeout=10)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        pages += 1
        assert pages < 50, 'next links do not end'


def assert_error(resp: requests.Response, status: int, text: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert text in body['faultstring'], body
    assert text in resp.headers['Server-Error-Message']


# -- data ------------------------------------------------------------------

@pytest.fixture(scope='module')
def seven(api) -> dict:
    """Seven workflows lst_0..lst_6 in their own namespace; even ones are
    tagged 'even', lst_5 and lst_6 are public, lst_1 was updated once (so
    only it has an `updated_at`)."""
    ns = f'ns_{uuid.uuid4().hex[:8]}'
    rows = []
    for i in range(7):
        tags = ['even', 'all'] if i % 2 == 0 else ['all']
        text = (f"version: '2.0'\nlst_{i}:\n  tags: {json.dumps(tags)}\n"
                f"  tasks:\n    t:\n      action: std.noop\n")
        rows += create_workflows(api, text, namespace=ns,
                                 scope='public' if i >= 5 else 'private')
    resp = requests.put(f'{api}/workflows', params={'namespace': ns},
                        headers=TEXT, timeout=10,
                        data=rows[1]['definition'].replace('t:', 'u:'))
    assert resp.status_code == 200, resp.text
    return {'ns': ns, 'ids': {r['name']: r['id'] for r in rows},
            'created_at': rows[0]['created_at']}


@pytest.fixture(scope='module')
def executions(api) -> dict:
    """Four finished executions: three successes, one error."""
    text = """version: '2.0'
lst_fanout:
  input: [fail]
  output:
    done: <% $.fail %>
  tasks:
    a:
      action: std.echo output=1
      on-success: [b, c, d]
    b:
      action: std.echo output=2
    c:
      action: std.echo output=3
    d:
      action: std.fail
      on-error: [e]
    e:
      action: std.echo output=5
      on-success:
        - f: <% $.fail %>
    f:
      action: std.fail
"""
    wf = create_workflows(api, text)[0]
    done = [run_workflow(api, 'lst_fanout', {'fail': i == 3})
            for i in range(4)]
    assert [e['state'] for e in done] == ['SUCCESS'] * 3 + ['ERROR']
    return {'wf_id': wf['id'], 'ids': [e['id'] for e in done],
            'states': [e['state'] for e in done]}


# -- filter operators ------------------------------------------------------

@pytest.mark.parametrize('value,expected', [
    ('lst_3', [3]),
    ('eq:lst_3', [3]),
    ('neq:lst_3', [0, 1, 2, 4, 5, 6]),
    ('gt:lst_3', [4, 5, 6]),
    ('gte:lst_3', [3, 4, 5, 6]),
    ('lt:lst_3', [0, 1, 2]),
    ('lte:lst_3', [0, 1, 2, 3]),
    ('in:lst_1,lst_5,nope', [1, 5]),
    ('nin:lst_1,lst_5', [0, 2, 3, 4, 6]),
    ('has:t_4', [4]),
    # '_' and '%' are literal characters for has, not LIKE wildcards.
    ('has:%', []),
    ('has:lst_', [0, 1, 2, 3, 4, 5, 6]),
])
def test_operator_on_text_column(api, seven, value, expected) -> None:
    assert names(api, namespace=seven['ns'], name=value,
                 sort_keys='name') == [f'lst_{i}' for i in expected]


def test_operators_on_json_bool_and_date_columns(api, seven) -> None:
    ns = seven['ns']
    assert names(api, namespace=ns, tags='has:even', sort_keys='name') == \
        ['lst_0', 'lst_2', 'lst_4', 'lst_6']
    assert names(api, namespace=ns, scope='public', sort_keys='name') == \
        ['lst_5', 'lst_6']
    assert names(api, namespace=ns, scope='neq:public',
                 sort_keys='name') == [f'lst_{i}' for i in range(5)]
    assert names(api, namespace=ns, scope='in:public,private') == \
        names(api, namespace=ns)
    assert len(names(api, namespace=ns, created_at=
                     f"gte:{seven['created_at']}")) == 7
    assert names(api, namespace=ns, created_at='lt:2000-01-01') == []
    assert names(api, namespace=ns, created_at='gt:2000-01-01T00:00:00',
                 name='lst_2') == ['lst_2']


def test_boolean_and_state_filters(api, executions) -> None:
    ids = set(executions['ids'])
    found = get(api, '/executions', workflow_id=executions['wf_id'],
                state='in:SUCCESS,ERROR')['executions']
    assert {e['id'] for e in found} == ids
    errors = get(api, '/executions', workflow_id=executions['wf_id'],
                 state='ERROR')['executions']
    assert [e['id'] for e in errors] == [executions['ids'][3]]
    ok = get(api, '/executions', workflow_id=executions['wf_id'],
             state='nin:ERROR')['executions']
    assert len(ok) == 3
    tasks = get(api, '/tasks', workflow_execution_id=executions['ids'][0],
                processed='true')['tasks']
    assert {t['name'] for t in tasks} == {'a', 'b', 'c', 'd', 'e'}
    assert get(api, '/tasks', workflow_execution_id=executions['ids'][0],
               processed='false')['tasks'] == []
    # Ordering a boolean means nothing: a clear 400, not a database error.
    for path, query in (('/tasks', {'processed': 'lt:true'}),
                        ('/action_executions', {'accepted': 'gt:1'})):
        resp = requests.get(f'{api}{path}', params=query, timeout=10)
        assert resp.status_code == 400, resp.text
        assert "does not apply to the boolean field" in \
            resp.json()['faultstring']


# -- pagination ------------------------------------------------------------

@pytest.mark.parametrize('sort_keys,sort_dirs', [
    (None, None),
    ('name', 'desc'),
    ('scope,name', 'desc,asc'),
    # updated_at is NULL on all but one row: paging must still see all.
    ('updated_at', 'asc'),
    ('updated_at', 'desc'),
    ('updated_at,name', 'desc,desc'),
])
def test_pages_lose_and_repeat_nothing(api, seven, sort_keys,
                                       sort_dirs) -> None:
    params = {'namespace': seven['ns'], 'limit': 2}
    if sort_keys:
        params.update(sort_keys=sort_keys, sort_dirs=sort_dirs)
    paged = [w['name'] for w in walk(api, 'workflows', **params)]
    params.pop('limit')
    whole = names(api, **params)
    assert paged == whole
    assert sorted(paged) == [f'lst_{i}' for i in range(7)]
    if sort_keys == 'name':
        assert paged == [f'lst_{i}' for i in range(6, -1, -1)]


def test_next_link_keeps_the_list_parameters(api, seven) -> None:
    page = get(api, '/workflows', namespace=seven['ns'], limit=3,
               fields='name', sort_keys='name', all_projects='true')
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page['next']).query)
    assert query['namespace'] == [seven['ns']]
    assert query['fields'] == ['name']
    assert query['all_projects'] == ['true']
    assert query['marker'] == [page['workflows'][-1]['id']]
    assert query['limit'] == ['3']
    assert page['next'].startswith(f'{api}/workflows?')


def test_every_list_pages_through(api, seven, executions) -> None:
    ex_id = executions['ids'][0]
    cases = [
        ('executions', {'workflow_id': executions['wf_id']}, 4),
        ('tasks', {'workflow_execution_id': ex_id}, 5),
        (f'executions/{ex_id}/tasks', {}, 5),
        ('action_executions', {'workflow_name': 'lst_fanout',
                               'task_name': 'nin:d'}, 17),
        ('workflows', {'namespace': seven['ns']}, 7),
    ]
    for resource, filters, count in cases:
        key = resource.rsplit('/', 1)[-1]
        paged = walk(api, resource, key, limit=3, **filters)
        ids = [item['id'] for item in paged]
        assert len(ids) == count == len(set(ids)), (resource, ids)
        whole = get(api, f'/{resource}', **filters)[key]
        assert ids == [item['id'] for item in whole], resource


def test_limit_is_capped_by_max_limit(api, seven) -> None:
    page = get(api, '/workflows', namespace=seven['ns'], limit=100)
    assert len(page['workflows']) == MAX_LIMIT
    assert f'limit={MAX_LIMIT}' in page['next']
    # Without a limit the whole list comes back, as upstream.
    assert len(get(api, '/workflows', namespace=seven['ns'])['workflows']) \
        == 7


def test_marker_from_another_sort(api, seven) -> None:
    everything = names(api, namespace=seven['ns'], sort_keys='name')
    marker = seven['ids']['lst_2']
    assert names(api, namespace=seven['ns'], sort_keys='name',
                 marker=marker) == everything[3:]


# -- fields, include_output, nulls, all_projects ----------------------------

def test_fields(api, seven, executions) -> None:
    wfs = get(api, '/workflows', namespace=seven['ns'], fields='name,tags',
              sort_keys='name')['workflows']
    assert wfs[0] == {'id': seven['ids']['lst_0'], 'name': 'lst_0',
                      'tags': ['even', 'all']}
    exs = get(api, '/executions', workflow_id=executions['wf_id'],
              fields='state')['executions']
    assert {tuple(sorted(e)) for e in exs} == {('id', 'state')}
    one = get(api, f"/executions/{executions['ids'][0]}", fields='output')
    assert set(one) == {'id', 'output'}
    assert loads(one['output']) == {'done': False}
    tasks = get(api, '/tasks', workflow_execution_id=executions['ids'][0],
                fields='name,published')['tasks']
    assert all(set(t) == {'id', 'name', 'published'} for t in tasks)


def test_include_output(api, executions) -> None:
    wf_id = executions['wf_id']
    plain = get(api, '/executions', workflow_id=wf_id)['executions']
    assert all('output' not in e for e in plain)
    full = get(api, '/executions', workflow_id=wf_id,
               include_output='true')['executions']
    assert sorted(loads(e['output']).get('done') for e in full
                  if e['state'] == 'SUCCESS') == [False, False, False]
    actions = get(api, '/action_executions', workflow_name='lst_fanout',
                  task_name='b')['action_executions']
    assert actions and all('output' not in a for a in actions)
    actions = get(api, '/action_executions', workflow_name='lst_fanout',
                  task_name='b', include_output='true')['action_executions']
    assert {a['output'] for a in actions} == {json.dumps({'result': 2})}
    page = get(api, '/executions', workflow_id=wf_id, include_output='true',
               limit=1)
    assert 'include_output=true' in page['next']


def test_nulls_and_all_projects(api, executions) -> None:
    top = get(api, '/executions', workflow_id=executions['wf_id'],
              nulls='task_execution_id')['executions']
    assert len(top) == 4
    assert get(api, '/executions', workflow_id=executions['wf_id'],
               nulls='state')['executions'] == []
    assert_error(requests.get(f'{api}/executions',
                              params={'nulls': 'published_global'},
                              timeout=10), 400, 'published_global')
    mine = get(api, '/executions', workflow_id=executions['wf_id'])
    assert get(api, '/executions', workflow_id=executions['wf_id'],
               all_projects='true') == mine


def test_namespace_and_scope_on_workbooks(api) -> None:
    ns = f'wbns_{uuid.uuid4().hex[:6]}'
    text = ("version: '2.0'\nname: lst_wb\nworkflows:\n  w:\n    tasks:\n"
            "      t:\n        action: std.noop\n")
    for scope in ('private', 'public'):
        resp = requests.post(f'{api}/workbooks', data=text, headers=TEXT,
                             params={'namespace': f'{ns}{scope}',
                                     'scope': scope}, timeout=10)
        assert resp.status_code == 201, resp.text
    found = get(api, '/workbooks', namespace=f'in:{ns}private,{ns}public',
                scope='public')['workbooks']
    assert [(w['name'], w['namespace']) for w in found] == \
        [('lst_wb', f'{ns}public')]
    found = get(api, '/workflows', namespace=f'{ns}private')['workflows']
    assert [w['name'] for w in found] == ['lst_wb.w']


def test_environments_list(api) -> None:
    for i in range(3):
        resp = requests.post(f'{api}/environments', timeout=10, json={
            'name': f'lst_env_{i}', 'variables': {'i': i},
            'scope': 'public' if i == 2 else 'private'})
        assert resp.status_code == 201, resp.text
    found = walk(api, 'environments', name='has:lst_env_', limit=2,
                 sort_keys='name', sort_dirs='desc', fields='variables')
    assert [loads(e['variables'])['i'] for e in found] == [2, 1, 0]
    assert [e['name'] for e in get(api, '/environments', name='has:lst_env_',
                                   scope='public')['environments']] == \
        ['lst_env_2']


# -- error codes -----------------------------------------------------------

@pytest.mark.parametrize('resource', [
    'workflows', 'workbooks', 'executions', 'tasks', 'action_executions',
    'environments', 'cron_triggers', 'actions'])
@pytest.mark.parametrize('params,text', [
    ({'limit': '0'}, 'Limit must be positive.'),
    ({'sort_dirs': 'asc,asc,asc'}, 'Length of sort_keys must be equal or '
                                   'greater than sort_dirs.'),
    ({'sort_keys': 'id', 'sort_dirs': 'up'}, "Unknown sort direction, must "
                                             "be 'desc' or 'asc'"),
    ({'fields': 'id,bogus'}, 'Some fields do not exist [bogus], please '
                             'choose from ['),
])
def test_bad_list_parameters(api, resource, params, text) -> None:
    assert_error(requests.get(f'{api}/{resource}', params=params,
                              timeout=10), 400, text)


def test_more_400s(api, seven) -> None:
    assert_error(requests.get(f'{api}/workflows', timeout=10,
                              params={'sort_keys': 'bogus'}), 400,
                 'Invalid sort key: bogus')
    assert_error(requests.get(f'{api}/workflows', timeout=10,
                              params={'created_at': 'gt:yesterday'}), 400,
                 'created_at')
    assert_error(requests.get(f'{api}/workflows', timeout=10,
                              params={'marker': str(uuid.uuid4())}), 400,
                 'Marker not found')
    assert_error(requests.post(f'{api}/executions', data='{"a": ', timeout=10,
                               headers={'Content-Type': 'application/json'}),
                 400, 'Malformed JSON body')
    assert_error(requests.post(f'{api}/executions', json={}, timeout=10),
                 400, 'Workflow ID or workflow name must be provided.')
    assert_error(requests.post(f'{api}/workflows', data='version: 1',
                               headers=TEXT, timeout=10), 400, 'version')


def test_404s(api) -> None:
    missing = str(uuid.uuid4())
    assert_error(requests.get(f'{api}/workflows/{missing}', timeout=10), 404,
                 f'Workflow not found [workflow_identifier={missing}')
    for resource, kind in (('executions', 'WorkflowExecution'),
                           ('tasks', 'TaskExecution'),
                           ('action_executions', 'ActionExecution')):
        assert_error(requests.get(f'{api}/{resource}/{missing}', timeout=10),
                     404, f'{kind} not found [id={missing}]')
    assert_error(requests.get(f'{api}/no_such_thing', timeout=10), 404,
                 'Resource not found: GET /v2/no_such_thing')
    assert_error(requests.delete(f'{api}/environments/lst_none', timeout=10),
                 404, 'lst_none')


def test_409_duplicates(api, seven) -> None:
    text = ("version: '2.0'\nlst_0:\n  tasks:\n    t:\n"
            "      action: std.noop\n")
    resp = requests.post(f'{api}/workflows', data=text, headers=TEXT,
                         params={'namespace': seven['ns']}, timeout=10)
    assert_error(resp, 409, 'Duplicate entry for WorkflowDefinition')
    body = {'name': 'lst_dup_env', 'variables': {}}
    assert requests.post(f'{api}/environments', json=body,
                         timeout=10).status_code == 201
    assert_error(requests.post(f'{api}/environments', json=body, timeout=10),
                 409, 'Duplicate entry for Environment')


def test_415_xml_bodies(api) -> None:
    assert_error(requests.post(f'{api}/executions', data='<x/>', timeout=10,
                               headers={'Content-Type': 'application/xml'}),
                 415, 'XML request bodies are not supported')


def test_403_action_execution_deletion_is_off_by_default(api) -> None:
    resp = requests.post(f'{api}/action_executions', timeout=30, json={
        'name': 'std.echo', 'input': {'output': 'x'},
        'params': {'save_result': True}})
    assert resp.status_code == 201, resp.text
    action_id = resp.json()['id']
    assert_error(requests.delete(f'{api}/action_executions/{action_id}',
                                 timeout=10), 403,
                 'Action execution deletion is not allowed.')
    assert get(api, f'/action_executions/{action_id}')['id'] == action_id


def test_423_in_maintenance(api) -> None:
    resp = requests.put(f'{api}/maintenance', json={'status': 'PAUSED'},
                        timeout=10)
    assert resp.status_code == 200, resp.text
    try:
        wait_until(lambda: get(api, '/maintenance')['status'] == 'PAUSED',
                   10, message='maintenance PAUSED')
        assert_error(requests.post(f'{api}/environments', timeout=10,
                                   json={'name': 'lst_paused'}),
                     423, 'Current Mistral state is PAUSED. Method is not '
                          'allowed')
        # Reading still works.
        get(api, '/environments')
    finally:
        resp = requests.put(f'{api}/maintenance', json={'status': 'RUNNING'},
                            timeout=10)
        assert resp.status_code == 200, resp.text
    assert requests.post(f'{api}/environments', json={'name': 'lst_paused'},
                         timeout=10).status_code == 201

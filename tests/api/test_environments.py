"""/v2/environments against a real server, and executions that use a
stored environment by name."""
from __future__ import annotations

import json
import re

import pytest
import requests

from tests.server import create_workflows, loads, run_workflow

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')
BAD_KEYS = ("Please, check your environment definition. Only: ['name', "
            "'description', 'variables', 'scope'] are allowed as definition "
            "keys.")
BAD_UPDATE_KEYS = ("Please, check your environment definition. Only: "
                   "['description', 'variables', 'scope'] are allowed as "
                   "definition keys.")


def create(api: str, **body) -> requests.Response:
    return requests.post(f'{api}/environments', json=body, timeout=10)


def created(api: str, **body) -> dict:
    resp = create(api, **body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def fault(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    return resp.json()['faultstring']


def test_create_and_get(api, uniq) -> None:
    name = f'env_{uniq}'
    env = created(api, name=name, description='test env',
                  variables={'host': 'h1', 'port': 22})
    assert env['name'] == name
    assert env['description'] == 'test env'
    # JSON fields travel as JSON strings, like upstream.
    assert isinstance(env['variables'], str)
    assert loads(env['variables']) == {'host': 'h1', 'port': 22}
    assert env['scope'] == 'private'
    assert env['project_id']
    assert TIMESTAMP.match(env['created_at'])
    for ref in (name, env['id']):
        resp = requests.get(f'{api}/environments/{ref}', timeout=5)
        assert resp.status_code == 200, resp.text
        got = resp.json()
        assert got['id'] == env['id']
        assert loads(got['variables']) == {'host': 'h1', 'port': 22}


def test_variables_as_json_string(api, uniq) -> None:
    env = created(api, name=f'env_s_{uniq}',
                  variables=json.dumps({'a': [1, 2]}), scope='public')
    assert loads(env['variables']) == {'a': [1, 2]}
    assert env['scope'] == 'public'


def test_get_fields(api, uniq) -> None:
    name = f'env_f_{uniq}'
    created(api, name=name, variables={'x': 1})
    resp = requests.get(f'{api}/environments/{name}',
                        params={'fields': 'name,variables'}, timeout=5)
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {'id', 'name', 'variables'}
    resp = requests.get(f'{api}/environments/{name}',
                        params={'fields': 'nope'}, timeout=5)
    assert 'nope' in fault(resp, 400)


def test_unknown_keys_are_rejected(api, uniq) -> None:
    resp = create(api, name=f'env_k_{uniq}', variables={}, color='red')
    assert fault(resp, 400) == BAD_KEYS
    assert resp.headers['Server-Error-Message'] == BAD_KEYS


@pytest.mark.parametrize('body', [
    {'variables': {'a': 1}},
    {'name': '', 'variables': {}},
    {'name': 'x', 'variables': [1, 2]},
    {'name': 'x', 'variables': 'not json'},
    {'name': 'x', 'variables': {}, 'scope': 'galaxy'},
    {'name': 'x' * 201, 'variables': {}},
])
def test_invalid_bodies(api, body) -> None:
    fault(create(api, **body), 400)


def test_non_object_body(api) -> None:
    resp = requests.post(f'{api}/environments', json=['a'], timeout=5)
    fault(resp, 400)
    resp = requests.post(f'{api}/environments', data=b'{oops',
                         headers={'Content-Type': 'application/json'},
                         timeout=5)
    fault(resp, 400)


def test_duplicate_is_409(api, uniq) -> None:
    name = f'env_d_{uniq}'
    created(api, name=name, variables={})
    message = fault(create(api, name=name, variables={}), 409)
    assert 'Duplicate entry for Environment' in message
    assert name in message


def test_update(api, uniq) -> None:
    name = f'env_u_{uniq}'
    env = created(api, name=name, description='before', variables={'a': 1})
    resp = requests.put(f'{api}/environments',
                        json={'name': name, 'variables': {'a': 2, 'b': 3},
                              'scope': 'public'}, timeout=5)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated['id'] == env['id']
    assert loads(updated['variables']) == {'a': 2, 'b': 3}
    assert updated['scope'] == 'public'
    assert updated['description'] == 'before'  # untouched
    assert TIMESTAMP.match(updated['updated_at'])
    got = requests.get(f'{api}/environments/{name}', timeout=5).json()
    assert loads(got['variables']) == {'a': 2, 'b': 3}
    # Variables as a JSON string work on update as well.
    resp = requests.put(f'{api}/environments',
                        json={'name': name, 'variables': '{"c": 4}'},
                        timeout=5)
    assert resp.status_code == 200, resp.text
    assert loads(resp.json()['variables']) == {'c': 4}


def test_update_errors(api, uniq) -> None:
    name = f'env_ue_{uniq}'
    created(api, name=name, variables={})
    resp = requests.put(f'{api}/environments',
                        json={'name': name, 'id': 'x'}, timeout=5)
    assert fault(resp, 400) == BAD_UPDATE_KEYS
    resp = requests.put(f'{api}/environments', json={'variables': {}},
                        timeout=5)
    assert fault(resp, 400) == 'Name of the environment is not provided.'
    resp = requests.put(f'{api}/environments',
                        json={'name': f'missing_{uniq}', 'variables': {}},
                        timeout=5)
    assert 'Environment not found' in fault(resp, 404)


def test_delete(api, uniq) -> None:
    name = f'env_del_{uniq}'
    env = created(api, name=name, variables={})
    resp = requests.delete(f'{api}/environments/{name}', timeout=5)
    assert resp.status_code == 204, resp.text
    resp = requests.get(f'{api}/environments/{name}', timeout=5)
    assert fault(resp, 404) == f'Environment not found [name={name}]'
    resp = requests.delete(f'{api}/environments/{name}', timeout=5)
    fault(resp, 404)
    # By id as well.
    env = created(api, name=name, variables={})
    resp = requests.delete(f'{api}/environments/{env["id"]}', timeout=5)
    assert resp.status_code == 204, resp.text


def test_unknown_is_404(api, uniq) -> None:
    resp = requests.get(f'{api}/environments/nothing_{uniq}', timeout=5)
    assert 'not found' in fault(resp, 404)
    resp = requests.get(f'{api}/environments/nothing_{uniq}/extra',
                        timeout=5)
    fault(resp, 404)


def test_list_filters_paging_fields(api, uniq) -> None:
    names = [f'env_l{i}_{uniq}' for i in range(3)]
    for i, name in enumerate(names):
        created(api, name=name, description=f'list {uniq}',
                variables={'i': i})

    def listing(**params) -> dict:
        resp = requests.get(f'{api}/environments', params=params, timeout=5)
        assert resp.status_code == 200, resp.text
        return resp.json()

    mine = listing(description=f'list {uniq}')['environments']
    assert [e['name'] for e in mine] == names
    assert listing(name=names[1])['environments'][0]['name'] == names[1]
    assert [e['name'] for e in listing(
        name=f'in:{names[0]},{names[2]}')['environments']] == \
        [names[0], names[2]]
    assert [e['name'] for e in listing(
        variables=json.dumps({'i': 2}),
        description=f'list {uniq}')['environments']] == [names[2]]
    assert listing(scope='private', name=names[0])['environments']
    assert listing(created_at='gte:2000-01-01', name=names[0])[
        'environments']

    page = listing(description=f'list {uniq}', limit=2)
    assert [e['name'] for e in page['environments']] == names[:2]
    assert 'marker=' in page['next'] and '/v2/environments?' in page['next']
    rest = requests.get(page['next'], timeout=5).json()
    assert [e['name'] for e in rest['environments']] == names[2:]
    assert 'next' not in rest or rest['next'] is None

    part = listing(description=f'list {uniq}', fields='name')
    assert all(set(e) == {'id', 'name'} for e in part['environments'])
    desc = listing(description=f'list {uniq}', sort_keys='name',
                   sort_dirs='desc')
    assert [e['name'] for e in desc['environments']] == names[::-1]
    resp = requests.get(f'{api}/environments', params={'sort_keys': 'bad'},
                        timeout=5)
    fault(resp, 400)


def test_execution_uses_stored_environment(api, uniq) -> None:
    env_name = f'env_run_{uniq}'
    created(api, name=env_name, variables={'x': 'from env', 'n': 7})
    wf_name = f'env_wf_{uniq}'
    create_workflows(api, f"""version: '2.0'
{wf_name}:
  output:
    x: <% $.x %>
    n: <% $.n %>
  tasks:
    read:
      action: std.echo output=<% env().x %>
      publish:
        x: <% task().result %>
        n: <% env().n %>
""")
    ex = run_workflow(api, wf_name, params={'env': env_name})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'x': 'from env', 'n': 7}
    # The execution keeps the variables it ran with.
    assert loads(ex['params'])['env'] == {'x': 'from env', 'n': 7}


def test_execution_with_unknown_environment(api, uniq) -> None:
    wf_name = f'env_wf2_{uniq}'
    create_workflows(api, f"""version: '2.0'
{wf_name}:
  tasks:
    t:
      action: std.noop
""")
    resp = requests.post(f'{api}/executions',
                         json={'workflow_name': wf_name,
                               'params': {'env': f'nope_{uniq}'}},
                         timeout=10)
    assert fault(resp, 400) == f'Environment is not found: nope_{uniq}'

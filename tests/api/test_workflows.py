"""/v2/workflows against a real server: upload, list, get, update,
delete, validate."""
from __future__ import annotations

import hashlib
import json
import re
import urllib.parse

import pytest
import requests

from tests.server import create_workflows, loads

TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$')
TEXT = {'Content-Type': 'text/plain'}


def post_text(api: str, text: str, path: str = '/workflows',
              **params) -> requests.Response:
    return requests.post(f'{api}{path}', data=text.encode(), headers=TEXT,
                         params=params, timeout=10)


def put_text(api: str, text: str, path: str = '/workflows',
             **params) -> requests.Response:
    return requests.put(f'{api}{path}', data=text.encode(), headers=TEXT,
                        params=params, timeout=10)


def noop_wf(name: str, tags: list[str] | None = None) -> str:
    tag_line = f'  tags: {json.dumps(tags)}\n' if tags else ''
    return (f"version: '2.0'\n{name}:\n{tag_line}  tasks:\n    t1:\n"
            f"      action: std.noop\n")


def exists(api: str, name: str) -> bool:
    resp = requests.get(f'{api}/workflows/{name}', timeout=5)
    assert resp.status_code in (200, 404), resp.text
    return resp.status_code == 200


# -- create --------------------------------------------------------------

def test_create_one_workflow(api, uniq) -> None:
    name = f'greet_{uniq}'
    text = f"""version: '2.0'
{name}:
  description: says hello
  tags: [demo, greeting]
  input:
    - name
    - greeting: Hello
    - extra: null
  output:
    message: <% $.message %>
  tasks:
    t1:
      action: std.echo output="<% $.greeting %>, <% $.name %>"
      publish:
        message: <% task().result %>
"""
    resp = post_text(api, text)
    assert resp.status_code == 201, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    body = resp.json()
    assert list(body) == ['workflows']
    (wf,) = body['workflows']
    assert wf['name'] == name
    assert wf['namespace'] == ''
    assert wf['definition'] == text
    assert wf['checksum'] == hashlib.md5(text.encode()).hexdigest()
    assert wf['tags'] == ['demo', 'greeting']
    assert wf['scope'] == 'private'
    assert wf['input'] == 'name, greeting="Hello", extra=null'
    assert loads(wf['interface']) == {
        'input': ['name', {'greeting': 'Hello'}, {'extra': None}],
        'output': ['message']}
    assert TIMESTAMP.match(wf['created_at']), wf['created_at']
    assert wf['updated_at'] is None
    assert re.fullmatch(r'[0-9a-f-]{36}', wf['id'])

    got = requests.get(f'{api}/workflows/{name}', timeout=5).json()
    assert got == wf


def test_create_several_workflows_in_one_document(api, uniq) -> None:
    a, b = f'first_{uniq}', f'second_{uniq}'
    text = f"""---
version: '2.0'

{a}:
  tasks:
    t1:
      action: std.noop

{b}:
  input: [x]
  tasks:
    t1:
      action: std.echo output=<% $.x %>
"""
    wfs = create_workflows(api, text)
    assert [w['name'] for w in wfs] == [a, b]
    assert len({w['id'] for w in wfs}) == 2
    # Each stored definition is cut down to its own workflow.
    for wf, other in ((wfs[0], b), (wfs[1], a)):
        assert wf['name'] in wf['definition']
        assert other not in wf['definition']
        assert 'version' in wf['definition']
    assert wfs[1]['input'] == 'x'
    assert exists(api, a) and exists(api, b)


def test_create_duplicate_is_409_and_keeps_the_original(api, uniq) -> None:
    name = f'dup_{uniq}'
    (original,) = create_workflows(api, noop_wf(name))
    resp = post_text(api, noop_wf(name, tags=['changed']))
    assert resp.status_code == 409, resp.text
    assert name in resp.headers['Server-Error-Message']
    assert 'Duplicate' in resp.headers['Server-Error-Message']
    got = requests.get(f'{api}/workflows/{name}', timeout=5).json()
    assert got['id'] == original['id']
    assert got['tags'] == []


def test_duplicate_in_a_multi_document_stores_nothing(api, uniq) -> None:
    old, new = f'old_{uniq}', f'new_{uniq}'
    create_workflows(api, noop_wf(old))
    text = noop_wf(new) + noop_wf(old).replace("version: '2.0'\n", '')
    resp = post_text(api, text)
    assert resp.status_code == 409, resp.text
    assert not exists(api, new)


# (case id, definition, words the error message must contain)
BAD_DEFINITIONS = [
    ('unknown-task-key',
     "version: '2.0'\n{n}:\n  tasks:\n    t1:\n      actionx: std.noop\n",
     ['{n}.tasks.t1', 'actionx']),
    ('bad-transition-target',
     "version: '2.0'\n{n}:\n  tasks:\n    t1:\n      action: std.noop\n"
     "      on-success: [nowhere]\n",
     ['{n}.tasks.t1', "'nowhere'"]),
    ('no-tasks',
     "version: '2.0'\n{n}:\n  input: [a]\n",
     ['{n}', 'tasks']),
    ('bad-yaql',
     "version: '2.0'\n{n}:\n  tasks:\n    t1:\n      action: std.noop\n"
     "      publish:\n        x: <% $.  %>\n",
     ['{n}.tasks.t1.publish.x', 'YAQL']),
    ('second-workflow-invalid',
     "version: '2.0'\n{n}:\n  tasks:\n    t1:\n      action: std.noop\n"
     "{n}_b:\n  tasks:\n    t1:\n      action: std.noop\n"
     "      on-error: 5\n",
     ['{n}_b.tasks.t1']),
    ('bad-yaml',
     "version: '2.0'\n{n}:\n  tasks: [\n",
     ['line']),
    ('duplicate-key',
     "version: '2.0'\n{n}:\n  tasks:\n    t1:\n      action: std.noop\n"
     "    t1:\n      action: std.echo output=1\n",
     ["Duplicate key 't1'", 'line 6']),
    ('unsupported-version',
     "version: '3.0'\n{n}:\n  tasks:\n    t1:\n      action: std.noop\n",
     ['Unsupported DSL version: 3.0']),
    ('not-a-mapping', "- just\n- a list\n", []),
    ('empty-list', "version: '2.0'\n", ['At least one item']),
]


@pytest.mark.parametrize('case,template,words', BAD_DEFINITIONS,
                         ids=[c[0] for c in BAD_DEFINITIONS])
def test_invalid_definition_is_400_and_nothing_is_stored(
        api, uniq, case, template, words) -> None:
    name = f'bad_{uniq}'
    resp = post_text(api, template.replace('{n}', name))
    assert resp.status_code == 400, resp.text
    message = resp.headers['Server-Error-Message']
    for word in words:
        assert word.replace('{n}', name) in message, message
    assert not exists(api, name)
    assert not exists(api, f'{name}_b')
    listed = requests.get(f'{api}/workflows',
                          params={'name': f'in:{name},{name}_b'},
                          timeout=5).json()['workflows']
    assert listed == []


@pytest.mark.parametrize('method', ['POST', 'PUT'])
def test_definition_error_body_is_a_json_object_with_faultstring(
        api, uniq, method) -> None:
    name = f'badbody_{uniq}'
    text = f"version: '2.0'\n{name}:\n  tasks:\n    t1:\n      x: 1\n"
    resp = requests.request(method, f'{api}/workflows', data=text,
                            headers=TEXT, timeout=10)
    assert resp.status_code == 400
    body = resp.json()
    assert isinstance(body, dict), body
    assert f'{name}.tasks.t1' in body['faultstring']


def test_duplicate_error_body_is_a_json_object(api, uniq) -> None:
    name = f'dupbody_{uniq}'
    create_workflows(api, noop_wf(name))
    resp = post_text(api, noop_wf(name))
    assert resp.status_code == 409
    body = resp.json()
    assert isinstance(body, dict), body
    assert 'Duplicate entry for WorkflowDefinition' in body['faultstring']


def test_public_scope_and_bad_scope(api, uniq) -> None:
    name = f'pub_{uniq}'
    (wf,) = create_workflows(api, noop_wf(name), scope='public')
    assert wf['scope'] == 'public'
    resp = post_text(api, noop_wf(f'scope_{uniq}'), scope='galaxy')
    assert resp.status_code == 400
    assert not exists(api, f'scope_{uniq}')


def test_namespaces_keep_same_names_apart(api, uniq) -> None:
    name = f'ns_{uniq}'
    (default,) = create_workflows(api, noop_wf(name))
    (other,) = create_workflows(api, noop_wf(name), namespace='other')
    assert other['namespace'] == 'other'
    assert other['id'] != default['id']
    got = requests.get(f'{api}/workflows/{name}',
                       params={'namespace': 'other'}, timeout=5).json()
    assert got['id'] == other['id']
    got = requests.get(f'{api}/workflows/{name}', timeout=5).json()
    assert got['id'] == default['id']


# -- list ------------------------------------------------------------------

@pytest.fixture
def five(api, uniq) -> dict:
    """Five workflows a0..a4 sharing a unique tag; odd ones tagged 'odd'."""
    tag = f'set{uniq}'
    names = [f'a{i}_{uniq}' for i in range(5)]
    for i, name in enumerate(names):
        create_workflows(api, noop_wf(name, [tag] + (['odd'] if i % 2
                                                     else [])))
    return {'tag': tag, 'names': names}


def list_names(api: str, **params) -> list[str]:
    resp = requests.get(f'{api}/workflows', params=params, timeout=5)
    assert resp.status_code == 200, resp.text
    return [w['name'] for w in resp.json()['workflows']]


def test_list_filters(api, five) -> None:
    n = five['names']
    mine = {'tags': f"has:{five['tag']}", 'sort_keys': 'name'}
    assert list_names(api, **mine) == n
    assert list_names(api, name=n[2]) == [n[2]]
    assert list_names(api, name=f'eq:{n[2]}') == [n[2]]
    assert list_names(api, **{**mine, 'name': f'neq:{n[2]}'}) == \
        [n[0], n[1], n[3], n[4]]
    assert list_names(api, name=f'in:{n[0]},{n[3]},missing') == [n[0], n[3]]
    assert list_names(api, **{**mine, 'name': f'nin:{n[0]},{n[3]}'}) == \
        [n[1], n[2], n[4]]
    assert list_names(api, **{**mine, 'name': f'gt:{n[2]}'}) == [n[3], n[4]]
    assert list_names(api, **{**mine, 'name': f'gte:{n[2]}'}) == \
        [n[2], n[3], n[4]]
    assert list_names(api, **{**mine, 'name': f'lt:{n[2]}'}) == [n[0], n[1]]
    assert list_names(api, **{**mine, 'name': f'lte:{n[2]}'}) == \
        [n[0], n[1], n[2]]
    odd = list_names(api, name=f'in:{",".join(n)}', tags='has:odd',
                     sort_keys='name')
    assert odd == [n[1], n[3]]
    assert list_names(api, **{**mine, 'created_at': 'gte:2000-01-01'}) == n
    assert list_names(api, **{**mine, 'created_at': 'lt:2000-01-01'}) == []
    assert list_names(api, **{**mine, 'scope': 'private'}) == n
    assert list_names(api, **{**mine, 'scope': 'public'}) == []


def test_list_fields(api, five) -> None:
    resp = requests.get(f'{api}/workflows', params={
        'tags': f"has:{five['tag']}", 'fields': 'name,tags'}, timeout=5)
    assert resp.status_code == 200
    for wf in resp.json()['workflows']:
        assert set(wf) == {'id', 'name', 'tags'}, wf
        assert five['tag'] in wf['tags']


@pytest.mark.parametrize('sort_dir', ['asc', 'desc'])
def test_pagination_follows_next_links(api, five, sort_dir) -> None:
    expected = sorted(five['names'], reverse=sort_dir == 'desc')
    url = f'{api}/workflows'
    params = {'tags': f"has:{five['tag']}", 'limit': 2, 'sort_keys': 'name',
              'sort_dirs': sort_dir, 'fields': 'name'}
    pages = []
    while url:
        resp = requests.get(url, params=params, timeout=5)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append([w['name'] for w in body['workflows']])
        url, params = body.get('next'), None
        if url:
            assert len(body['workflows']) == 2
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            assert query['limit'] == ['2']
            assert query['marker'] == [body['workflows'][-1]['id']]
        assert len(pages) < 10, pages
    assert pages == [expected[0:2], expected[2:4], expected[4:]]


def test_pagination_by_marker_on_created_at(api, five) -> None:
    """The default sort key (created_at) ties within a second: id breaks
    the tie, so no item is lost or repeated."""
    seen: list[str] = []
    marker = None
    for _ in range(10):
        params = {'tags': f"has:{five['tag']}", 'limit': 2}
        if marker:
            params['marker'] = marker
        body = requests.get(f'{api}/workflows', params=params,
                            timeout=5).json()
        seen.extend(w['name'] for w in body['workflows'])
        if not body['workflows']:
            break
        marker = body['workflows'][-1]['id']
    assert sorted(seen) == five['names']
    assert len(seen) == 5


def test_sorting(api, five) -> None:
    n = five['names']
    tag = f"has:{five['tag']}"
    assert list_names(api, tags=tag, sort_keys='name',
                      sort_dirs='desc') == n[::-1]
    by_tags = list_names(api, tags=tag, sort_keys='scope,name',
                         sort_dirs='asc,desc')
    assert by_tags == n[::-1]


@pytest.mark.parametrize('params,words', [
    ({'limit': 'x'}, ['Limit']),
    ({'limit': '0'}, ['Limit']),
    ({'limit': '-3'}, ['Limit']),
    ({'sort_keys': 'bogus'}, ['bogus']),
    ({'sort_keys': 'name', 'sort_dirs': 'sideways'}, ['sideways']),
    ({'sort_keys': 'name', 'sort_dirs': 'asc,desc'}, ['sort_dirs']),
    ({'fields': 'name,bogus'}, ['bogus']),
    ({'marker': '00000000-0000-0000-0000-000000000000'}, ['Marker']),
    ({'created_at': 'gte:yesterday'}, ['created_at']),
])
def test_bad_list_parameters_are_400(api, params, words) -> None:
    resp = requests.get(f'{api}/workflows', params=params, timeout=5)
    assert resp.status_code == 400, resp.text
    fault = resp.json()['faultstring']
    for word in words:
        assert word in fault, fault


# -- get, update, delete -------------------------------------------------

def test_get_by_name_and_by_id(api, uniq) -> None:
    name = f'get_{uniq}'
    (wf,) = create_workflows(api, noop_wf(name))
    by_name = requests.get(f'{api}/workflows/{name}', timeout=5)
    by_id = requests.get(f'{api}/workflows/{wf["id"]}', timeout=5)
    assert by_name.status_code == by_id.status_code == 200
    assert by_name.json() == by_id.json() == wf
    part = requests.get(f'{api}/workflows/{name}',
                        params={'fields': 'name'}, timeout=5).json()
    assert part == {'id': wf['id'], 'name': name}


def test_get_unknown_is_404(api, uniq) -> None:
    for ident in (f'missing_{uniq}', '11111111-2222-3333-4444-555555555555'):
        resp = requests.get(f'{api}/workflows/{ident}', timeout=5)
        assert resp.status_code == 404
        assert 'Workflow not found' in resp.json()['faultstring']
        assert ident in resp.json()['faultstring']


def test_update_by_name(api, uniq) -> None:
    name = f'upd_{uniq}'
    (wf,) = create_workflows(api, noop_wf(name))
    text = noop_wf(name, tags=['v2']).replace('std.noop',
                                              'std.echo output=2')
    resp = put_text(api, text)
    assert resp.status_code == 200, resp.text
    (updated,) = resp.json()['workflows']
    assert updated['id'] == wf['id']
    assert updated['definition'] == text
    assert updated['tags'] == ['v2']
    assert updated['checksum'] != wf['checksum']
    assert TIMESTAMP.match(updated['updated_at'])
    got = requests.get(f'{api}/workflows/{name}', timeout=5).json()
    assert got['definition'] == text


def test_update_by_id_returns_one_object(api, uniq) -> None:
    name = f'updid_{uniq}'
    (wf,) = create_workflows(api, noop_wf(name))
    text = noop_wf(name, tags=['byid'])
    resp = put_text(api, text, path=f'/workflows/{wf["id"]}')
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body['id'] == wf['id']
    assert body['tags'] == ['byid']


def test_update_with_invalid_definition_changes_nothing(api, uniq) -> None:
    name = f'updbad_{uniq}'
    (wf,) = create_workflows(api, noop_wf(name))
    resp = put_text(api, noop_wf(name).replace('action:', 'actn:'))
    assert resp.status_code == 400, resp.text
    assert f'{name}.tasks.t1' in resp.headers['Server-Error-Message']
    got = requests.get(f'{api}/workflows/{name}', timeout=5).json()
    assert got['definition'] == wf['definition']


def test_update_unknown_is_404(api, uniq) -> None:
    resp = put_text(api, noop_wf(f'never_{uniq}'))
    assert resp.status_code == 404, resp.text


def test_delete(api, uniq) -> None:
    name = f'del_{uniq}'
    (wf,) = create_workflows(api, noop_wf(name))
    resp = requests.delete(f'{api}/workflows/{name}', timeout=5)
    assert resp.status_code == 204
    assert resp.content == b''
    assert requests.get(f'{api}/workflows/{name}',
                        timeout=5).status_code == 404
    assert requests.get(f'{api}/workflows/{wf["id"]}',
                        timeout=5).status_code == 404
    again = requests.delete(f'{api}/workflows/{name}', timeout=5)
    assert again.status_code == 404
    assert 'Workflow not found' in again.json()['faultstring']


def test_delete_by_id(api, uniq) -> None:
    (wf,) = create_workflows(api, noop_wf(f'delid_{uniq}'))
    assert requests.delete(f'{api}/workflows/{wf["id"]}',
                           timeout=5).status_code == 204
    assert not exists(api, wf['name'])


# -- validate ------------------------------------------------------------

def test_validate(api, uniq) -> None:
    name = f'val_{uniq}'
    resp = post_text(api, noop_wf(name), path='/workflows/validate')
    assert resp.status_code == 200, resp.text
    assert resp.json() == {'valid': True}
    assert not exists(api, name)

    resp = post_text(api, noop_wf(name).replace('action:', 'acton:'),
                     path='/workflows/validate')
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body['valid'] is False
    assert f'{name}.tasks.t1' in body['error']

    resp = post_text(api, 'version: 2.0\nx: [', path='/workflows/validate')
    assert resp.status_code == 200, resp.text
    assert resp.json()['valid'] is False

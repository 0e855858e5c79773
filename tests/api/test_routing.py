"""Routing: paths that do not exist are 404, methods a path does not serve
are 405 with an `Allow` header listing what it serves, OPTIONS answers
that list, HEAD is GET without the body; strict `include_output`."""
from __future__ import annotations

import re
import urllib.parse

import pytest
import requests

from tests.server import create_workflows, run_workflow

PARENT = """
version: '2.0'
routing_parent_{uniq}:
  tasks:
    call:
      workflow: routing_child_{uniq}
routing_child_{uniq}:
  tasks:
    hello:
      action: std.echo output="hi"
  output:
    said: hi
"""


def allow(resp: requests.Response) -> set[str]:
    return {m.strip() for m in resp.headers['Allow'].split(',')}


def fault(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers['Content-Type'].startswith('application/json')
    body = resp.json()
    assert body['faultcode'] == 'Client', body
    assert resp.headers['Server-Error-Message'] == body['faultstring']
    return body['faultstring']


@pytest.fixture(scope='module')
def document(server) -> dict:
    return requests.get(f'{server.api}/openapi.json', timeout=30).json()


# -- 1. surplus path segments are not arguments ------------------------------

def test_method_on_an_item_path_is_not_taken_as_an_argument(api,
                                                            uniq) -> None:
    name = f'routing_src_{uniq}'
    resp = requests.post(f'{api}/code_sources/{name}', data=b'x = 1',
                         headers={'Content-Type': 'text/plain'}, timeout=10)
    assert 'not allowed' in fault(resp, 405)
    assert allow(resp) == {'GET', 'HEAD', 'DELETE', 'OPTIONS'}
    # Nothing was stored under the name taken from the path.
    resp = requests.get(f'{api}/code_sources/{name}', timeout=10)
    assert resp.status_code == 404, resp.text

    resp = requests.put(f'{api}/workbooks/0', data=b'version: "2.0"',
                        headers={'Content-Type': 'text/plain'}, timeout=10)
    assert 'PUT' in fault(resp, 405)
    assert allow(resp) == {'GET', 'HEAD', 'DELETE', 'OPTIONS'}


@pytest.mark.parametrize('method,path', [
    ('POST', '/code_sources/foo/bar'),
    ('GET', '/workflows/a/b'),
    ('PUT', '/workbooks/a/b'),
    ('DELETE', '/cron_triggers/a/b'),
    ('GET', '/executions/a/tasks/b/c'),
    ('GET', '/tasks/a/action_executions/b/c'),
    ('GET', '/workflows/a/members/b/c'),
    ('OPTIONS', '/workflows/a/b'),
])
def test_extra_path_segments_are_not_found(api, method, path) -> None:
    resp = requests.request(method, f'{api}{path}', timeout=10)
    assert fault(resp, 404) == f'Resource not found: {method} /v2{path}'


# -- 2. a method the path does not serve is 405 ------------------------------

@pytest.mark.parametrize('method,path,served', [
    ('PUT', '/executions', {'GET', 'POST'}),
    ('PUT', '/action_executions', {'GET', 'POST'}),
    ('POST', '/executions/some-id', {'GET', 'PUT', 'DELETE'}),
    ('POST', '/action_executions/some-id', {'GET', 'PUT', 'DELETE'}),
    ('POST', '/workflows/some-id/members/other',
     {'GET', 'PUT', 'DELETE'}),
    ('DELETE', '/workflows', {'GET', 'POST', 'PUT'}),
    ('PATCH', '/workflows/some-id', {'GET', 'PUT', 'DELETE'}),
    ('GET', '/workflows/validate', {'POST'}),
])
def test_unserved_method_is_405_with_allow(api, method, path,
                                           served) -> None:
    resp = requests.request(method, f'{api}{path}', json={'state': 'x'},
                            timeout=10)
    assert fault(resp, 405) == f'Method {method} is not allowed on /v2{path}'
    implicit = {'HEAD'} if 'GET' in served else set()
    assert allow(resp) == served | implicit | {'OPTIONS'}


# -- 3. / and /v2 answer GET, HEAD and OPTIONS only ---------------------------

@pytest.mark.parametrize('path', ['/', '/v2', '/v2/'])
def test_index_answers_only_get(server, path) -> None:
    url = f'{server.url}{path}'
    get = requests.get(url, timeout=10)
    assert get.status_code == 200
    head = requests.head(url, timeout=10)
    assert head.status_code == 200
    assert head.content == b''
    assert head.headers['Content-Type'] == get.headers['Content-Type']
    for method in ('TRACE', 'POST', 'PUT', 'DELETE', 'PATCH'):
        resp = requests.request(method, url, timeout=10)
        assert 'not allowed' in fault(resp, 405), method
        assert allow(resp) == {'GET', 'HEAD', 'OPTIONS'}


def test_head_is_get_without_body(api) -> None:
    resp = requests.head(f'{api}/workflows', timeout=10)
    assert resp.status_code == 200
    assert resp.content == b''
    assert int(resp.headers['Content-Length']) > 0
    resp = requests.head(f'{api}/workflows/no-such-workflow', timeout=10)
    assert resp.status_code == 404
    assert resp.content == b''


# -- 4. Allow lists what the path serves -------------------------------------

def test_options_lists_what_the_path_serves(api) -> None:
    cases = {
        '/cron_triggers': {'GET', 'POST'},
        '/cron_triggers/some-id': {'GET', 'DELETE'},
        '/workflows/validate': {'POST'},
        '/workflows/some-id': {'GET', 'PUT', 'DELETE'},
        '/executions/some-id/report': {'GET'},
    }
    for path, served in cases.items():
        resp = requests.options(f'{api}{path}', timeout=10)
        assert resp.status_code == 200, (path, resp.text)
        assert resp.content == b''
        implicit = {'HEAD'} if 'GET' in served else set()
        assert allow(resp) == served | implicit | {'OPTIONS'}, path


def test_allow_matches_the_document_on_every_path(server, document) -> None:
    for path, ops in document['paths'].items():
        url = server.url + re.sub(r'\{[^}]+\}', 'some-id', path)
        resp = requests.options(url, timeout=10)
        assert resp.status_code == 200, (path, resp.text)
        documented = {m.upper() for m in ops}
        assert allow(resp) - {'HEAD', 'OPTIONS'} == documented, path


# -- 5. include_output is a strict boolean everywhere ------------------------

@pytest.fixture(scope='module')
def parent_task(api) -> str:
    """The id of a task that ran one sub-workflow."""
    uniq = 'sub'
    create_workflows(api, PARENT.format(uniq=uniq))
    execution = run_workflow(api, f'routing_parent_{uniq}')
    assert execution['state'] == 'SUCCESS', execution
    tasks = requests.get(f"{api}/executions/{execution['id']}/tasks",
                         timeout=10).json()['tasks']
    return tasks[0]['id']


def test_include_output_is_strict_on_every_list(api, parent_task) -> None:
    paths = ['/executions', '/action_executions',
             f'/tasks/{parent_task}/action_executions',
             f'/tasks/{parent_task}/workflow_executions',
             f'/tasks/{parent_task}/executions']
    for path in paths:
        resp = requests.get(f'{api}{path}', params={
            'include_output': 'maybe'}, timeout=10)
        assert 'include_output' in fault(resp, 400), path
        for value in ('true', 'false'):
            resp = requests.get(f'{api}{path}', params={
                'include_output': value}, timeout=10)
            assert resp.status_code == 200, (path, value, resp.text)


def test_task_workflow_executions_next_link_keeps_include_output(
        api, parent_task) -> None:
    resp = requests.get(f'{api}/tasks/{parent_task}/workflow_executions',
                        params={'limit': 1, 'include_output': 'true'},
                        timeout=10)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert page['executions'][0]['output'], page
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page['next']).query)
    assert query['include_output'] == ['true'], page['next']
    assert query['task_execution_id'] == [parent_task], page['next']
    # The next page is cut from the same list: the one child, then none.
    resp = requests.get(page['next'], timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()['executions'] == []

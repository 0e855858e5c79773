"""GET /v2/openapi.json: a valid OpenAPI document that lists every route
the controllers serve, and whose schemas the real answers match."""
from __future__ import annotations

import re

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate
from pecan import rest

from mistral.api import openapi
from mistral.api.controllers.root import RootController
from mistral.api.services import ApiServices
from tests.server import create_workflows, run_workflow

WORKFLOW = """
version: '2.0'
openapi_wf_{uniq}:
  input:
    - name: World
  tasks:
    greet:
      action: std.echo output="Hello, <% $.name %>!"
      publish:
        greeting: <% task().result %>
  output:
    greeting: <% $.greeting %>
"""


@pytest.fixture(scope='module')
def document(server) -> dict:
    resp = requests.get(f'{server.api}/openapi.json', timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    return resp.json()


def test_served_document_is_valid_openapi(document) -> None:
    validate(document)
    assert document['openapi'].startswith('3.1')
    # The server answers the document built from the same controllers.
    assert document == openapi.document()


# -- every route is documented ----------------------------------------------

_HANDLERS = {'get_all': 'get', 'get_one': 'get', 'post': 'post',
             'put': 'put', 'delete': 'delete'}


def _served(controller, prefix: str = ''):
    """(method, path without ids) of every handler under `controller`,
    found by looking at its attributes, independently of the generator."""
    cls = type(controller)
    if isinstance(controller, rest.RestController):
        for name, method in _HANDLERS.items():
            if getattr(getattr(cls, name, None), 'exposed', False):
                yield method, prefix
        for action, methods in getattr(cls, '_custom_actions', {}).items():
            for method in methods:
                yield method.lower(), f'{prefix}/{action}'
    else:
        for name in dir(cls):
            func = getattr(cls, name)
            if name.startswith('_') or not getattr(func, 'exposed', False):
                continue
            segment = getattr(func, 'custom_route', None) or (
                '' if name == 'index' else name)
            yield 'get', f'{prefix}/{segment}'.rstrip('/') or '/'
    for name, child in vars(controller).items():
        if name.startswith('_') or isinstance(child, (str, int, bool,
                                                      type(None))):
            continue
        if isinstance(child, rest.RestController) or any(
                getattr(getattr(type(child), n, None), 'exposed', False)
                for n in dir(type(child))):
            yield from _served(child, f'{prefix}/{name}')


def _without_ids(path: str) -> str:
    return re.sub(r'/\{[^}]+\}', '', path) or '/'


def test_every_served_route_is_documented(document) -> None:
    root = RootController(ApiServices(store=None, engine=None))
    served = set(_served(root))
    assert ('get', '/v2/workflows') in served  # the walk found something
    documented = {(method, _without_ids(path))
                  for path, ops in document['paths'].items()
                  for method in ops}
    missing = sorted(served - documented)
    assert not missing, f'served but not documented: {missing}'


def test_every_documented_route_is_routed(server, document) -> None:
    """No documented operation falls through to the router's 404 or 405
    (requests without a body, unknown ids: nothing gets created)."""
    unrouted = []
    for path, ops in document['paths'].items():
        if path == '/healthcheck':
            continue  # served by middleware only when enabled
        url = server.url + re.sub(r'\{[^}]+\}', 'no-such-id', path)
        for method in ops:
            if method == 'put' and path.endswith('/maintenance'):
                continue  # would lock the server for the other tests
            resp = requests.request(method, url, timeout=30)
            fault = resp.json().get('faultstring', '') \
                if resp.status_code >= 400 else ''
            if resp.status_code == 405 or fault.startswith(
                    'Resource not found:'):
                unrouted.append((method, path, resp.status_code, fault))
            assert resp.status_code < 500, (method, path, resp.text)
    assert not unrouted, unrouted


# -- real answers match the documented schemas -------------------------------

def _check(document: dict, method: str, path: str,
           resp: requests.Response) -> None:
    op = document['paths'][path][method]
    answer = op['responses'].get(str(resp.status_code))
    assert answer is not None, (
        f'{method.upper()} {path}: status {resp.status_code} is not '
        f'documented ({sorted(op["responses"])}): {resp.text}')
    schema = answer.get('content', {}).get('application/json',
                                             {}).get('schema')
    if schema is None:
        assert not resp.content, resp.text
        return
    root = {**schema, 'components': document['components']}
    errors = list(jsonschema.Draft202012Validator(root).iter_errors(
        resp.json()))
    assert not errors, (method, path, [e.message for e in errors][:5])


def test_answers_match_their_schemas(server, document, uniq) -> None:
    api = server.api
    created = create_workflows(api, WORKFLOW.format(uniq=uniq))
    wf_id = created[0]['id']
    execution = run_workflow(api, f'openapi_wf_{uniq}', {'name': 'Ann'})
    assert execution['state'] == 'SUCCESS', execution
    ex_id = execution['id']
    tasks = requests.get(f'{api}/executions/{ex_id}/tasks',
                         timeout=10).json()['tasks']
    task_id = tasks[0]['id']
    cases = [
        ('get', '/v2', '/v2'),
        ('get', '/v2/workflows', '/v2/workflows?limit=2'),
        ('get', '/v2/workflows/{identifier}', f'/v2/workflows/{wf_id}'),
        ('get', '/v2/executions', '/v2/executions?include_output=true'),
        ('get', '/v2/executions/{execution_id}', f'/v2/executions/{ex_id}'),
        ('get', '/v2/executions/{execution_id}/report',
         f'/v2/executions/{ex_id}/report'),
        ('get', '/v2/executions/{execution_id}/tasks',
         f'/v2/executions/{ex_id}/tasks'),
        ('get', '/v2/tasks/{task_id}', f'/v2/tasks/{task_id}'),
        ('get', '/v2/tasks/{task_id}/action_executions',
         f'/v2/tasks/{task_id}/action_executions'),
        ('get', '/v2/actions', '/v2/actions?limit=3'),
        ('get', '/v2/actions/{identifier}', '/v2/actions/std.echo'),
        ('get', '/v2/maintenance', '/v2/maintenance'),
        # Errors: unknown id, bad parameter.
        ('get', '/v2/executions/{execution_id}', '/v2/executions/nope'),
        ('get', '/v2/executions', '/v2/executions?limit=zero'),
        ('delete', '/v2/workflows/{identifier}', '/v2/workflows/nope'),
    ]
    for method, path, url in cases:
        resp = requests.request(method, f'{server.url}{url}', timeout=10)
        _check(document, method, path, resp)
    resp = requests.post(f'{api}/workflows/validate', data=b'nonsense: [',
                         headers={'Content-Type': 'text/plain'}, timeout=10)
    _check(document, 'post', '/v2/workflows/validate', resp)
    resp = requests.put(f'{api}/executions/{ex_id}',
                        json={'description': 'checked'}, timeout=10)
    _check(document, 'put', '/v2/executions/{execution_id}', resp)
    resp = requests.post(f'{api}/workflows',
                         data=WORKFLOW.format(uniq=uniq).encode(),
                         headers={'Content-Type': 'text/plain'}, timeout=10)
    assert resp.status_code == 409
    _check(document, 'post', '/v2/workflows', resp)


def test_schemas_reject_what_the_server_rejects(document) -> None:
    """The request schemas carry the rules the controllers check."""
    components = document['components']

    def valid(name: str, body: dict) -> bool:
        root = {'$ref': f'#/components/schemas/{name}',
                'components': components}
        return jsonschema.Draft202012Validator(root).is_valid(body)

    assert valid('ExecutionCreate', {'workflow_name': 'wf'})
    assert not valid('ExecutionCreate', {'description': 'no workflow'})
    assert not valid('ExecutionUpdate', {})
    assert not valid('ExecutionUpdate', {'state': 'PAUSED',
                                         'description': 'both'})
    assert not valid('TaskUpdate', {'state': 'SUCCESS'})
    assert not valid('ActionExecutionCreate', {'name': 'x', 'oops': 1})

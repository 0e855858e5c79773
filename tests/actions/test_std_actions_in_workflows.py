"""Std actions in workflows run by a real mistral-server (SQLite,
in-process RPC), against real peers on 127.0.0.1."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.server import MistralServer, TERMINAL_STATES, wait_until


@pytest.fixture(scope='module')
def server(tmp_path_factory) -> MistralServer:
    workdir = tmp_path_factory.mktemp('std-actions')
    srv = MistralServer(workdir, f'sqlite:///{workdir}/mistral.sqlite')
    srv.start()
    yield srv
    srv.stop()


def _run(server: MistralServer, name: str, definition: str,
         wf_input: dict) -> str:
    resp = requests.post(f'{server.api}/workflows', data=definition,
                         headers={'Content-Type': 'text/plain'}, timeout=10)
    assert resp.status_code == 201, resp.text
    resp = requests.post(f'{server.api}/executions', timeout=10, json={
        'workflow_name': name, 'input': json.dumps(wf_input)})
    assert resp.status_code == 201, resp.text
    return resp.json()['id']


def _state(server: MistralServer, ex_id: str) -> dict:
    return requests.get(f'{server.api}/executions/{ex_id}',
                        timeout=10).json()


def _finished(server: MistralServer, ex_id: str) -> dict:
    return wait_until(
        lambda: (lambda ex: ex if ex['state'] in TERMINAL_STATES else None)(
            _state(server, ex_id)), 30,
        message=lambda: f'execution {ex_id} to finish\n{server.log_tail()}')


def test_actions_list_shows_std_actions_with_their_input(server):
    listed = {a['name']: a for a in requests.get(
        f'{server.api}/actions', params={'limit': 1000},
        timeout=10).json()['actions']}
    assert listed['std.wait_ssh']['input'] == 'host, username, password'
    assert listed['std.http']['input'].startswith('url, method="GET", ')
    for name in ('std.mistral_http', 'std.email', 'std.ssh',
                 'std.ssh_proxied', 'std.javascript', 'std.js',
                 'std.async_noop', 'std.test_dict'):
        assert listed[name]['is_system'] is True


def test_mistral_http_is_completed_through_the_callback_url(server,
                                                            http_peer):
    name = f'callback_{uuid.uuid4().hex[:8]}'
    ex_id = _run(server, name, f"""---
version: '2.0'
{name}:
  input: [url]
  tasks:
    call:
      action: std.mistral_http url=<% $.url %> method=POST
      publish:
        answer: <% task().result %>
""", {'url': f'{http_peer.url}/json'})
    request = wait_until(
        lambda: next((r for r in http_peer.requests
                      if r['headers'].get('Mistral-Workflow-Execution-Id')
                      == ex_id), None), 30,
        message=lambda: f'the callback request\n{server.log_tail()}')
    headers = request['headers']
    assert headers['Mistral-Workflow-Name'] == name
    callback = headers['Mistral-Callback-URL']
    assert callback == (f'{server.api}/action_executions/'
                        f"{headers['Mistral-Action-Execution-Id']}")
    # Still waiting for the peer to report back.
    assert _state(server, ex_id)['state'] == 'RUNNING'
    resp = requests.put(callback, timeout=10, json={
        'state': 'SUCCESS', 'output': json.dumps({'answer': 42})})
    assert resp.status_code == 200, resp.text
    ex = _finished(server, ex_id)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert json.loads(ex['output'])['answer'] == {'answer': 42}


def test_http_error_status_reaches_on_error_with_the_response(server,
                                                              http_peer):
    name = f'http_err_{uuid.uuid4().hex[:8]}'
    ex_id = _run(server, name, f"""---
version: '2.0'
{name}:
  input: [url]
  tasks:
    call:
      action: std.http url=<% $.url %>
      publish-on-error:
        status: <% task().result.status %>
        content: <% task().result.content %>
      on-error: [handled]
    handled:
      action: std.noop
""", {'url': f'{http_peer.url}/status/503'})
    ex = _finished(server, ex_id)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert json.loads(ex['output']) == {'status': 503,
                                        'content': {'code': 503}}


def test_wait_ssh_and_javascript_in_a_workflow(server, ssh_server):
    name = f'ssh_js_{uuid.uuid4().hex[:8]}'
    ex_id = _run(server, name, f"""---
version: '2.0'
{name}:
  input: [host]
  tasks:
    wait:
      action: std.wait_ssh host=<% $.host %> username=tester password=secret
      on-success: [count]
    count:
      action: std.js
      input:
        context: {{files: <% task(wait).result %>}}
        script: return $.files.split("\\n").length > 0;
      publish:
        listed: <% task().result %>
""", {'host': ssh_server.address})
    ex = _finished(server, ex_id)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert json.loads(ex['output']) == {'listed': True}
    assert 'ls -l' in ssh_server.commands


def test_egress_policy_from_the_config_applies_in_action_processes(
        tmp_path, http_peer):
    """[action_std_http] reaches actions run in child processes too."""
    before = len(http_peer.requests)
    with MistralServer(tmp_path, f'sqlite:///{tmp_path}/mistral.sqlite',
                       extra={'action_std_http':
                              {'denied_cidrs': '127.0.0.0/8'},
                              'executor': {'action_runner': 'process'}}
                       ) as strict:
        name = f'denied_{uuid.uuid4().hex[:8]}'
        ex_id = _run(strict, name, f"""---
version: '2.0'
{name}:
  input: [url]
  tasks:
    call:
      action: std.http url=<% $.url %>
""", {'url': f'{http_peer.url}/json'})
        ex = _finished(strict, ex_id)
    assert ex['state'] == 'ERROR'
    assert '127.0.0.0/8' in ex['state_info']
    assert len(http_peer.requests) == before  # nothing was sent

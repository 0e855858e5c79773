"""std.http and std.mistral_http against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import json

import pytest
from mistral_lib import actions

from mistral import exceptions as exc
from mistral.actions.std_http import HTTPAction, MistralHTTPAction
from tests.actions.conftest import action_context
from tests.server import free_port

RESULT_KEYS = {'content', 'status', 'headers', 'url', 'history', 'encoding',
               'reason', 'cookies', 'elapsed'}


def run(**params):
    return HTTPAction(**params).run(action_context())


def test_get_returns_upstream_result_dict_with_parsed_json(http_peer):
    result = run(url=f'{http_peer.url}/json', params={'q': 'x y'},
                 headers={'X-Count': 3, 'X-Name': 'a'}, auth='user:pw',
                 cookies={'c': '1'})
    assert set(result) == RESULT_KEYS
    assert result['status'] == 200
    assert result['reason'] == 'OK'
    assert result['url'] == f'{http_peer.url}/json?q=x+y'
    assert result['history'] == []
    assert isinstance(result['elapsed'], float)
    assert result['headers']['Content-Type'] == 'application/json'
    seen = result['content']
    assert seen['method'] == 'GET'
    assert seen['query'] == {'q': 'x y'}
    # Numbers in headers are sent as strings; "user:pw" is Basic auth.
    assert seen['headers']['X-Count'] == '3'
    assert seen['headers']['Authorization'] == 'Basic dXNlcjpwdw=='
    assert seen['headers']['Cookie'] == 'c=1'
    json.dumps(result)  # the result must be storable as JSON


def test_body_dict_is_sent_as_json_text_and_json_param_as_json(http_peer):
    sent = run(url=f'{http_peer.url}/json', method='POST',
               body={'a': [1, 2]})['content']
    assert sent['method'] == 'POST'
    assert json.loads(sent['body']) == {'a': [1, 2]}
    sent = run(url=f'{http_peer.url}/json', method='PUT',
               json={'b': None})['content']
    assert json.loads(sent['body']) == {'b': None}
    assert sent['headers']['Content-Type'] == 'application/json'


def test_body_and_json_together_are_rejected():
    with pytest.raises(exc.ActionError, match="Only one of the parameters "
                                              "'json' and 'body'"):
        HTTPAction(url='http://127.0.0.1/', body='x', json={'y': 1})


def test_text_response_and_cookies(http_peer):
    result = run(url=f'{http_peer.url}/text')
    assert result['content'] == 'hello'
    assert result['encoding'] == 'utf-8'
    assert run(url=f'{http_peer.url}/cookie')['cookies'] == {
        'session': 'abc'}


def test_error_status_fails_with_the_same_dict(http_peer):
    result = run(url=f'{http_peer.url}/status/404')
    assert isinstance(result, actions.Result) and result.is_error()
    assert set(result.error) == RESULT_KEYS
    assert result.error['status'] == 404
    assert result.error['content'] == {'code': 404}
    # 2xx and 3xx up to 306 count as success, like upstream.
    assert run(url=f'{http_peer.url}/status/204')['status'] == 204


def test_redirects_are_followed_only_when_allowed(http_peer):
    result = run(url=f'{http_peer.url}/redirect')
    assert result['status'] == 302 and result['history'] == []
    result = run(url=f'{http_peer.url}/redirect', allow_redirects=True)
    assert result['status'] == 200
    assert result['url'] == f'{http_peer.url}/json'
    assert [h['status'] for h in result['history']] == [302]


def test_transport_failure_gives_a_clear_message():
    with pytest.raises(exc.ActionError,
                       match='Failed to send HTTP request: .*Connection'):
        run(url=f'http://127.0.0.1:{free_port()}/')


def test_default_policy_blocks_metadata_address_also_via_redirect(
        http_peer, http_settings):
    http_settings()
    with pytest.raises(exc.ActionError, match='169.254.0.0/16'):
        run(url='http://169.254.169.254/latest/meta-data/')
    with pytest.raises(exc.ActionError, match='169.254.0.0/16'):
        run(url=f'{http_peer.url}/redirect-to',
            params={'url': 'http://169.254.169.254/'}, allow_redirects=True)
    with pytest.raises(exc.ActionError, match="scheme 'file'"):
        run(url='file:///etc/passwd')


def test_denied_cidrs_and_allowed_hosts(http_peer, http_settings):
    before = len(http_peer.requests)
    http_settings(denied_cidrs=('127.0.0.0/8',))
    with pytest.raises(exc.ActionError, match=r'127\.0\.0\.1.*127\.0\.0\.0/8'):
        run(url=f'{http_peer.url}/json')
    with pytest.raises(exc.ActionError, match='127.0.0.0/8'):
        run(url=f'http://localhost:{http_peer.port}/json')
    http_settings(allowed_hosts=('*.example.org',))
    with pytest.raises(exc.ActionError, match='allowed_hosts'):
        run(url=f'{http_peer.url}/json')
    assert len(http_peer.requests) == before  # nothing was sent
    http_settings(allowed_hosts=('127.0.0.*',))
    assert run(url=f'{http_peer.url}/json')['status'] == 200


def test_response_size_limit_with_and_without_content_length(
        http_peer, http_settings):
    http_settings(max_response_size_bytes=5000)
    assert len(run(url=f'{http_peer.url}/big/5000')['content']) == 5000
    with pytest.raises(exc.ActionError, match='Content-Length=5001'):
        run(url=f'{http_peer.url}/big/5001')
    with pytest.raises(exc.ActionError, match='more than 5000 bytes'):
        run(url=f'{http_peer.url}/chunked/9000')
    assert run(url=f'{http_peer.url}/chunked/3000')['content'] == 'y' * 3000


def test_default_timeout_applies_when_the_action_sets_none(
        http_peer, http_settings):
    http_settings(default_timeout=0.3)
    with pytest.raises(exc.ActionError, match='Failed to send HTTP request.*'
                                              '[Tt]imed? ?out'):
        run(url=f'{http_peer.url}/slow/2')
    assert run(url=f'{http_peer.url}/slow/0.5', timeout=5)['content'] == \
        'late'


def test_mistral_http_sends_execution_headers_and_is_async(
        http_peer, http_settings):
    http_settings(callback_base_url='http://mistral.example:8989')
    action = MistralHTTPAction(url=f'{http_peer.url}/json',
                               headers={'X-Own': 'kept'})
    assert action.is_sync() is False
    result = action.run(action_context(wf_ex_id='w1', task_ex_id='t1',
                                       action_ex_id='a1',
                                       workflow_name='my_wf'))
    headers = result['content']['headers']
    assert headers['X-Own'] == 'kept'
    assert headers['Mistral-Workflow-Name'] == 'my_wf'
    assert headers['Mistral-Workflow-Execution-Id'] == 'w1'
    assert headers['Mistral-Task-Id'] == 't1'
    assert headers['Mistral-Action-Execution-Id'] == 'a1'
    assert headers['Mistral-Callback-URL'] == \
        'http://mistral.example:8989/v2/action_executions/a1'

"""std.echo, std.fail, std.noop, std.async_noop, std.sleep, std.test_dict
and std.javascript / std.js, and the input signatures GET /v2/actions
shows for every std action."""
from __future__ import annotations

import time

import pytest
from mistral_lib import actions

from mistral import exceptions as exc
from mistral.actions import registry
from mistral.actions.std import AsyncNoOpAction, EchoAction, FailAction
from mistral.actions.std import SleepAction
# Another name, so pytest does not take it for a test class.
from mistral.actions.std import TestDictAction as DictAction
from mistral.actions.std_js import JavaScriptAction
from tests.actions.conftest import action_context

# The input strings upstream Mistral 23.0.0 lists for its std actions.
UPSTREAM_INPUTS = {
    'std.async_noop': '',
    'std.echo': 'output, delay=0',
    'std.email': 'from_addr, to_addrs, smtp_server, reply_to=null, '
                 'cc_addrs=null, bcc_addrs=null, smtp_password=null, '
                 'subject=null, body=null, html_body=null',
    'std.fail': 'error_data=null',
    'std.http': 'url, method="GET", params=null, body=null, json=null, '
                'headers=null, cookies=null, auth=null, timeout=null, '
                'allow_redirects=null, proxies=null, verify=null',
    'std.javascript': 'script, context=null',
    'std.js': 'script, context=null',
    'std.mistral_http': 'url, method="GET", params=null, body=null, '
                        'json=null, headers=null, cookies=null, auth=null, '
                        'timeout=null, allow_redirects=null, proxies=null, '
                        'verify=null',
    'std.noop': '',
    'std.sleep': 'seconds=1',
    'std.ssh': 'cmd, host, username, password="", '
               'private_key_filename=null, private_key=null, '
               'return_result_on_error=false',
    'std.ssh_proxied': 'cmd, host, username, private_key_filename, '
                       'gateway_host, gateway_username=null, password=null, '
                       'proxy_command=null, private_key=null',
    'std.test_dict': 'size=0, key_prefix="", val=""',
    'std.wait_ssh': 'host, username, password',
}


def test_every_std_action_is_registered_with_upstreams_input():
    found = {name: info.input
             for name, info in registry.system_actions().items()
             if name.startswith('std.')}
    assert found == UPSTREAM_INPUTS


def test_echo_returns_output_after_delay():
    assert EchoAction(output={'a': [1]}).run(action_context()) == {'a': [1]}
    started = time.monotonic()
    assert EchoAction(output='x', delay=0.2).run(action_context()) == 'x'
    assert time.monotonic() - started >= 0.2
    assert EchoAction(output=1, delay=-3).delay == 0
    assert EchoAction(output=1, delay='soon').delay == 0


def test_fail_with_and_without_error_data():
    result = FailAction(error_data={'code': 7}).run(action_context())
    assert isinstance(result, actions.Result) and result.error == {'code': 7}
    with pytest.raises(exc.ActionError,
                       match='Fail action expected exception.'):
        FailAction().run(action_context())


def test_sleep_and_async_noop():
    assert SleepAction(seconds=-1).seconds == 0
    assert SleepAction(seconds='x').seconds == 0
    assert AsyncNoOpAction().is_sync() is False
    assert AsyncNoOpAction().run(action_context()) is None


def test_test_dict():
    assert DictAction(size=3, key_prefix='k', val='v').run(
        action_context()) == {'k0': 'v', 'k1': 'v', 'k2': 'v'}
    assert DictAction().run(action_context()) == {}
    with pytest.raises(exc.ActionError, match='size must be an integer'):
        DictAction(size='many')


def test_javascript_sees_context_as_dollar_and_returns_its_value():
    script = 'return {total: $.items.reduce((a, b) => a + b, 0), ' \
             'name: $.name.toUpperCase()};'
    assert JavaScriptAction(script, {'items': [1, 2, 3], 'name': 'ab'}).run(
        action_context()) == {'total': 6, 'name': 'AB'}
    assert JavaScriptAction('return 1 + 1').run(action_context()) == 2
    assert JavaScriptAction('var unused = 1;').run(action_context()) is None


def test_javascript_errors_are_clear():
    with pytest.raises(exc.ActionError, match='JavaScriptAction failed: '
                                              'Error: no way'):
        JavaScriptAction('throw new Error("no way")').run(action_context())
    with pytest.raises(exc.ActionError, match='JavaScriptAction failed: '
                                              'ReferenceError: missing'):
        JavaScriptAction('return missing.x').run(action_context())
    with pytest.raises(exc.ActionError, match='JavaScriptAction failed: '
                                              'SyntaxError'):
        JavaScriptAction('return (;').run(action_context())

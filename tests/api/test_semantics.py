"""Workflow language semantics, observed through the REST API of a real
server: data flow, transitions, guards, engine commands, joins, errors."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.server import (create_workflows, loads, run_workflow,
                          start_execution, wait_for_execution,
                          wait_for_state)


def define(api: str, body: str) -> str:
    """Upload one workflow; `body` uses WF as its name. Returns the name."""
    name = f'wf_{uuid.uuid4().hex[:10]}'
    create_workflows(api, "version: '2.0'\n" + body.replace('WF', name))
    return name


def tasks(api: str, execution_id: str) -> dict[str, dict]:
    resp = requests.get(f'{api}/executions/{execution_id}/tasks', timeout=5)
    assert resp.status_code == 200, resp.text
    out: dict[str, dict] = {}
    for t in resp.json()['tasks']:
        assert t['name'] not in out, f'{t["name"]} ran twice'
        out[t['name']] = t
    return out


def states(api: str, execution_id: str) -> dict[str, str]:
    return {n: t['state'] for n, t in tasks(api, execution_id).items()}


def test_publish_and_output(api) -> None:
    name = define(api, """
WF:
  input: [a, b]
  output:
    sum: <% $.total %>
    both: <% [$.a, $.b] %>
    text: "{{ _.label }}"
  tasks:
    add:
      action: std.echo output=<% $.a + $.b %>
      publish:
        total: <% task().result %>
      on-success: label
    label:
      action: std.echo output="sum is <% $.total %>"
      publish:
        label: <% task(label).result %>
""")
    ex = run_workflow(api, name, {'a': 2, 'b': 5})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'sum': 7, 'both': [2, 5],
                                   'text': 'sum is 7'}
    published = {n: loads(t['published'])
                 for n, t in tasks(api, ex['id']).items()}
    assert published == {'add': {'total': 7}, 'label': {'label': 'sum is 7'}}


def test_output_defaults_to_the_whole_context(api) -> None:
    name = define(api, """
WF:
  input: [x]
  tasks:
    t:
      action: std.echo output=<% $.x * 2 %>
      publish:
        doubled: <% task().result %>
""")
    ex = run_workflow(api, name, {'x': 21})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    # Upstream: the final context is the merge of the end tasks' outbound
    # contexts (inbound context + published); workflow input is not in it.
    output = loads(ex['output'])
    assert output == {'doubled': 42}


def test_on_success_on_error_on_complete(api) -> None:
    name = define(api, """
WF:
  tasks:
    ok:
      action: std.noop
      on-success: after_ok
      on-error: not_run_1
      on-complete: always_ok
    after_ok:
      action: std.fail
      on-success: not_run_2
      on-error: handle
      on-complete: always_fail
    handle:
      action: std.echo output=handled
    always_ok:
      action: std.noop
    always_fail:
      action: std.noop
    not_run_1:
      action: std.noop
    not_run_2:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert states(api, ex['id']) == {
        'ok': 'SUCCESS', 'after_ok': 'ERROR', 'handle': 'SUCCESS',
        'always_ok': 'SUCCESS', 'always_fail': 'SUCCESS'}


def test_on_complete_does_not_handle_an_error(api) -> None:
    name = define(api, """
WF:
  tasks:
    boom:
      action: std.fail
      on-complete: cleanup
    cleanup:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    assert states(api, ex['id']) == {'boom': 'ERROR', 'cleanup': 'SUCCESS'}


@pytest.mark.parametrize('lang,small,big', [
    ('yaql', '<% $.n < 10 %>', '<% $.n >= 10 %>'),
    ('jinja', '"{{ _.n < 10 }}"', '"{{ _.n >= 10 }}"'),
])
@pytest.mark.parametrize('n,expected', [(3, 'small'), (30, 'big')])
def test_guards(api, lang, small, big, n, expected) -> None:
    name = define(api, f"""
WF:
  input: [n]
  output:
    size: <% $.size %>
  tasks:
    check:
      action: std.noop
      on-success:
        - small: {small}
        - big: {big}
    small:
      action: std.echo output=small
      publish:
        size: <% task().result %>
    big:
      action: std.echo output=big
      publish:
        size: <% task().result %>
""")
    ex = run_workflow(api, name, {'n': n})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'size': expected}
    assert set(states(api, ex['id'])) == {'check', expected}


def test_fail_command_with_msg(api) -> None:
    name = define(api, """
WF:
  tasks:
    t:
      action: std.noop
      on-success:
        - fail msg="giving up"
        - never
    never:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    assert ex['state_info'] == 'giving up'
    assert set(states(api, ex['id'])) == {'t'}


def test_fail_command_with_guard_in_function_form(api) -> None:
    name = define(api, """
WF:
  input: [bad]
  tasks:
    t:
      action: std.noop
      on-success:
        - fail(msg='bad input'): <% $.bad %>
        - next: <% not $.bad %>
    next:
      action: std.noop
""")
    bad = run_workflow(api, name, {'bad': True})
    assert bad['state'] == 'ERROR'
    assert bad['state_info'] == 'bad input'
    good = run_workflow(api, name, {'bad': False})
    assert good['state'] == 'SUCCESS', good['state_info']
    assert set(states(api, good['id'])) == {'t', 'next'}


def test_succeed_command_with_msg(api) -> None:
    name = define(api, """
WF:
  output:
    got: <% $.v %>
  tasks:
    t:
      action: std.echo output=1
      publish:
        v: <% task().result %>
      on-success:
        - succeed msg="done early"
        - never
    never:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'SUCCESS'
    assert ex['state_info'] == 'done early'
    assert loads(ex['output']) == {'got': 1}
    assert set(states(api, ex['id'])) == {'t'}


def test_pause_command_then_resume(api) -> None:
    name = define(api, """
WF:
  tasks:
    t:
      action: std.noop
      on-success:
        - pause msg="check first"
        - after
    after:
      action: std.echo output=resumed
""")
    ex = start_execution(api, name)
    paused = wait_for_state(api, ex['id'], {'PAUSED', 'SUCCESS', 'ERROR'})
    assert paused['state'] == 'PAUSED'
    assert paused['state_info'] == 'check first'
    assert set(states(api, ex['id'])) == {'t'}
    resp = requests.put(f'{api}/executions/{ex["id"]}',
                        json={'state': 'RUNNING'}, timeout=10)
    assert resp.status_code == 200, resp.text
    done = wait_for_execution(api, ex['id'])
    assert done['state'] == 'SUCCESS', done['state_info']
    assert states(api, ex['id']) == {'t': 'SUCCESS', 'after': 'SUCCESS'}


def test_fork_and_join_all(api) -> None:
    name = define(api, """
WF:
  output:
    joined: <% $.joined %>
  tasks:
    start:
      action: std.noop
      on-success: [left, middle, right]
    left:
      action: std.echo output=L
      publish:
        l: <% task().result %>
      on-success: join_them
    middle:
      action: std.sleep seconds=0.2
      publish:
        m: M
      on-success: join_them
    right:
      action: std.echo output=R
      publish:
        r: <% task().result %>
      on-success: join_them
    join_them:
      join: all
      action: std.echo output=<% $.l + $.m + $.r %>
      publish:
        joined: <% task().result %>
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'joined': 'LMR'}
    all_tasks = tasks(api, ex['id'])
    assert set(all_tasks) == {'start', 'left', 'middle', 'right',
                              'join_them'}
    assert all(t['state'] == 'SUCCESS' for t in all_tasks.values())


def test_join_all_fails_when_a_branch_fails(api) -> None:
    name = define(api, """
WF:
  tasks:
    start:
      action: std.noop
      on-success: [a, b]
    a:
      action: std.noop
      on-success: j
    b:
      action: std.fail
      on-success: j
    j:
      join: all
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    st = states(api, ex['id'])
    assert st['b'] == 'ERROR'
    assert st.get('j') in (None, 'ERROR')


def test_std_fail_fails_the_execution(api) -> None:
    name = define(api, """
WF:
  tasks:
    first:
      action: std.noop
      on-success: broken
    broken:
      action: std.fail
      on-success: unreachable
    unreachable:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    assert ex['state_info'].startswith(
        'Failure caused by error in tasks: broken'), ex['state_info']
    task = tasks(api, ex['id'])['broken']
    assert task['state'] == 'ERROR'
    assert task['id'] in ex['state_info']
    # Upstream: the output of a failed execution is {'result': state_info}.
    assert loads(ex['output']) == {'result': ex['state_info']}
    assert 'unreachable' not in tasks(api, ex['id'])


def test_error_handled_by_on_error_is_success(api) -> None:
    name = define(api, """
WF:
  output:
    recovered: <% $.recovered %>
  tasks:
    broken:
      action: std.fail
      publish-on-error:
        recovered: done
      on-error: recover
    recover:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'recovered': 'done'}
    assert states(api, ex['id']) == {'broken': 'ERROR',
                                     'recover': 'SUCCESS'}


def test_expression_error_fails_the_task(api) -> None:
    name = define(api, """
WF:
  tasks:
    t:
      action: std.echo output=<% $.missing.deeper %>
      on-complete: never
    never:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    task = tasks(api, ex['id'])['t']
    assert task['state'] == 'ERROR'
    assert 'Can not evaluate YAQL expression' in task['state_info'], \
        task['state_info']
    assert 'Can not evaluate YAQL expression' in ex['state_info']


def test_publish_error_fails_the_task(api) -> None:
    name = define(api, """
WF:
  tasks:
    t:
      action: std.echo output=1
      publish:
        bad: <% $.nothing.here %>
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    task = tasks(api, ex['id'])['t']
    assert task['state'] == 'ERROR'
    assert 'Can not evaluate YAQL expression' in task['state_info'], \
        task['state_info']


def test_jinja_evaluation_error_fails_the_task(api) -> None:
    name = define(api, """
WF:
  tasks:
    t:
      action: std.echo output="{{ _.missing.deeper }}"
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    task = tasks(api, ex['id'])['t']
    assert task['state'] == 'ERROR'
    assert 'Can not evaluate Jinja expression' in task['state_info'], \
        task['state_info']


@pytest.mark.parametrize('action,words', [
    ('std.no_such_action', ['std.no_such_action']),
    ('std.echo output=1 colour=red', ['Invalid input', 'colour']),
    ('std.echo', ['Invalid input', 'output']),
])
def test_bad_action_call_fails_the_execution(api, action, words) -> None:
    """Like upstream, a task that cannot start fails the whole execution:
    on-error is not followed."""
    name = define(api, f"""
WF:
  tasks:
    t:
      action: {action}
      on-error: handled
    handled:
      action: std.noop
""")
    ex = run_workflow(api, name)
    assert ex['state'] == 'ERROR'
    assert ex['state_info'].startswith('Failed to run task [error=')
    task = tasks(api, ex['id'])['t']
    assert task['state'] == 'ERROR'
    for word in words:
        assert word in task['state_info'], task['state_info']
    assert 'handled' not in tasks(api, ex['id'])


def test_vars_and_input_defaults(api) -> None:
    name = define(api, """
WF:
  input:
    - base
    - factor: 10
  vars:
    offset: 1
  output:
    value: <% $.base * $.factor + $.offset %>
  tasks:
    t:
      action: std.noop
""")
    ex = run_workflow(api, name, {'base': 4})
    assert ex['state'] == 'SUCCESS', ex['state_info']
    assert loads(ex['output']) == {'value': 41}
    assert loads(ex['input']) == {'base': 4, 'factor': 10}

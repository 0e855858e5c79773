"""Task policies through the engine services, with the real scheduler."""
from __future__ import annotations

import time

import sqlalchemy as sa

from mistral.db import models
from mistral.workflow import states


def _actions(services, task_id):
    with services.store.read() as session:
        return list(session.scalars(sa.select(models.ActionExecution).where(
            models.ActionExecution.task_execution_id == task_id)
            .order_by(models.ActionExecution.created_at)))


def test_retry_runs_count_more_times_then_fails(services):
    services.define("""
version: '2.0'
retrying:
  tasks:
    t:
      action: std.fail
      retry: {count: 2, delay: 0}
""")
    wf_ex = services.wait(services.start('retrying'))
    assert wf_ex.state == states.ERROR
    task, = services.tasks(wf_ex.id)
    assert task.runtime_context['retry_task_policy']['retry_no'] == 2
    actions = _actions(services, task.id)
    assert len(actions) == 3
    assert [a.accepted for a in actions] == [False, False, True]


def test_retry_one_line_form_with_delay_goes_through_delayed(services):
    services.define("""
version: '2.0'
delayed_retry:
  task-defaults:
    retry: count=1 delay=1
  tasks:
    t:
      action: std.fail
""")
    execution_id = services.start('delayed_retry')
    started = time.monotonic()
    deadline = started + 5
    seen_delayed = False
    while time.monotonic() < deadline:
        task, = services.tasks(execution_id)
        if task.state == states.RUNNING_DELAYED:
            seen_delayed = True
            assert task.state_info == "Delayed by 'retry' policy [delay=1]"
            break
        time.sleep(0.01)
    assert seen_delayed
    wf_ex = services.wait(execution_id)
    assert wf_ex.state == states.ERROR
    assert time.monotonic() - started >= 1.0
    assert len(_actions(services, task.id)) == 2


def test_retry_break_on_stops_early(services):
    services.define("""
version: '2.0'
breaking:
  tasks:
    t:
      action: std.fail
      retry:
        count: 5
        delay: 0
        break-on: <% true %>
""")
    wf_ex = services.wait(services.start('breaking'))
    task, = services.tasks(wf_ex.id)
    assert len(_actions(services, task.id)) == 1


def test_retry_continue_on_polls_while_condition_holds(services):
    services.define("""
version: '2.0'
polling:
  tasks:
    t:
      action: std.echo output=1
      retry:
        count: 3
        delay: 0
        continue-on: <% task().result = 1 %>
""")
    wf_ex = services.wait(services.start('polling'))
    assert wf_ex.state == states.SUCCESS
    task, = services.tasks(wf_ex.id)
    assert len(_actions(services, task.id)) == 4


def test_wait_before_delays_the_start(services):
    services.define("""
version: '2.0'
waiting:
  tasks:
    t:
      action: std.noop
      wait-before: 1
""")
    started = time.monotonic()
    execution_id = services.start('waiting')
    task, = services.tasks(execution_id)
    assert task.state == states.RUNNING_DELAYED
    assert task.state_info == "Delayed by 'wait-before' policy [delay=1]"
    assert services.wait(execution_id).state == states.SUCCESS
    assert time.monotonic() - started >= 1.0


def test_wait_after_delays_the_next_task(services):
    services.define("""
version: '2.0'
wait_after:
  tasks:
    a:
      action: std.echo output=5
      publish: {v: <% task().result %>}
      wait-after: 1
      on-success: b
    b:
      action: std.echo output=<% $.v %>
""")
    started = time.monotonic()
    wf_ex = services.wait(services.start('wait_after'))
    assert wf_ex.state == states.SUCCESS
    assert time.monotonic() - started >= 1.0
    a, b = services.tasks(wf_ex.id)
    assert b.created_at >= a.created_at
    assert a.state == states.SUCCESS and a.published == {'v': 5}


def test_timeout_fails_a_slow_task(services):
    services.define("""
version: '2.0'
slow:
  tasks:
    t:
      action: std.sleep seconds=5
      timeout: 1
""")
    started = time.monotonic()
    wf_ex = services.wait(services.start('slow'))
    assert wf_ex.state == states.ERROR
    assert time.monotonic() - started < 4
    task, = services.tasks(wf_ex.id)
    assert task.state_info == 'Task timed out [timeout(s)=1].'


def test_fail_on_turns_success_into_error(services):
    services.define("""
version: '2.0'
fail_on:
  tasks:
    t:
      action: std.echo output=7
      fail-on: <% task().result > 5 %>
""")
    wf_ex = services.wait(services.start('fail_on'))
    assert wf_ex.state == states.ERROR
    task, = services.tasks(wf_ex.id)
    assert task.state_info == "Failed by 'fail-on' policy"


def test_pause_before_pauses_until_resumed(services):
    services.define("""
version: '2.0'
pause_before:
  tasks:
    a:
      on-success: b
    b:
      action: std.echo output=ok
      pause-before: true
""")
    execution_id = services.start('pause_before')
    paused = services.wait(execution_id, until={states.PAUSED})
    b = [t for t in services.tasks(paused.id) if t.name == 'b'][0]
    assert (b.state, b.state_info) == (states.IDLE,
                                       "Set by 'pause-before' policy")
    services.engine.resume_workflow(execution_id)
    assert services.wait(execution_id).state == states.SUCCESS


def test_retry_of_with_items_reruns_every_item(services):
    services.define("""
version: '2.0'
items_retry:
  tasks:
    t:
      with-items: x in [1, 2]
      action: std.fail
      retry: {count: 1, delay: 0}
""")
    wf_ex = services.wait(services.start('items_retry'))
    task, = services.tasks(wf_ex.id)
    assert len(_actions(services, task.id)) == 4

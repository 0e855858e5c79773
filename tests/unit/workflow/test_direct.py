"""The direct-workflow controller: outcomes in, commands out (spec §1.5)."""
import pytest

from mistral import exceptions as exc
from mistral.lang import parser
from mistral.workflow import commands, direct, states
from mistral.workflow.commands import RunTask, SetWorkflowState
from mistral.workflow.direct import Inbound


def spec_of(text):
    spec, = parser.parse_workflows(text)
    return spec


def run(spec, task, state, guard_data=None, outbound=None):
    return direct.transitions(spec, task, 'tex-1', state,
                              outbound if outbound is not None else {'o': 1},
                              guard_data if guard_data is not None else {})


def trig(event):
    return ({'task_id': 'tex-1', 'event': event},)


BRANCHES = spec_of("""
wf:
  tasks:
    t1:
      on-success: [ok1, ok2]
      on-error: [err]
      on-complete: [always]
    ok1: {}
    ok2: {}
    err: {}
    always: {}
""")


def test_start_commands_run_every_start_task_with_the_context():
    spec = spec_of("""
wf:
  tasks:
    a:
      on-success: c
    b: {}
    c: {}
""")
    assert direct.start_commands(spec, {'in': 1}) == [
        RunTask('a', {'in': 1}), RunTask('b', {'in': 1})]


def test_success_runs_on_success_then_on_complete():
    out = run(BRANCHES, 't1', states.SUCCESS, outbound={'x': 1})
    assert out.commands == (
        RunTask('ok1', {'x': 1}, trig('on-success')),
        RunTask('ok2', {'x': 1}, trig('on-success')),
        RunTask('always', {'x': 1}, trig('on-complete')),
    )
    assert out.next_tasks == (('ok1', 'on-success'), ('ok2', 'on-success'),
                              ('always', 'on-complete'))


def test_error_runs_on_error_then_on_complete():
    out = run(BRANCHES, 't1', states.ERROR)
    assert out.next_tasks == (('err', 'on-error'), ('always', 'on-complete'))
    assert [c.task_name for c in out.commands] == ['err', 'always']


@pytest.mark.parametrize('state', [states.CANCELLED, states.RUNNING,
                                   states.WAITING])
def test_no_transitions_for_cancelled_or_unfinished_tasks(state):
    assert run(BRANCHES, 't1', state) == direct.Transitions((), ())


def test_task_without_clauses_has_no_transitions():
    assert run(BRANCHES, 'ok1', states.SUCCESS) == direct.Transitions((), ())


GUARDS = spec_of("""
wf:
  tasks:
    t1:
      on-success:
        - yaql_yes: <% $.n > 1 %>
        - yaql_no: <% $.n > 5 %>
        - jinja_yes: '{{ _.n == 2 }}'
        - jinja_no: '{{ _.n == 3 }}'
        - literal_yes: true
        - literal_no: false
        - plain
    yaql_yes: {}
    yaql_no: {}
    jinja_yes: {}
    jinja_no: {}
    literal_yes: {}
    literal_no: {}
    plain: {}
""")


def test_guards_in_yaql_jinja_and_literal_booleans():
    out = run(GUARDS, 't1', states.SUCCESS, guard_data={'n': 2})
    assert [n for n, _ in out.next_tasks] == [
        'yaql_yes', 'jinja_yes', 'literal_yes', 'plain']


def test_guard_evaluation_error_propagates():
    with pytest.raises(exc.ExpressionEvaluationError):
        run(GUARDS, 't1', states.SUCCESS, guard_data={'n': 'x'})


COMMANDS = spec_of("""
wf:
  tasks:
    t1:
      on-success:
        - a
        - fail msg="boom <% $.why %>"
        - b
      on-error:
        - noop
        - succeed(msg='done')
        - a
      on-complete:
        - b
    t2:
      on-success:
        - pause msg='hold'
        - a
      on-complete: [b]
    t3:
      on-success:
        - fail: <% $.bad %>
        - a
    a: {}
    b: {}
""")


def test_fail_sets_error_with_evaluated_msg_and_stops():
    out = run(COMMANDS, 't1', states.SUCCESS, guard_data={'why': 'now'})
    assert out.commands == (
        RunTask('a', {'o': 1}, trig('on-success')),
        SetWorkflowState(states.ERROR, 'boom now', trig('on-success')),
    )
    assert out.next_tasks == (('a', 'on-success'), ('fail', 'on-success'))


def test_noop_does_nothing_and_succeed_stops_everything_after_it():
    out = run(COMMANDS, 't1', states.ERROR)
    assert out.commands == (
        SetWorkflowState(states.SUCCESS, 'done', trig('on-error')),)
    assert out.next_tasks == (('noop', 'on-error'), ('succeed', 'on-error'))


def test_pause_does_not_stop_the_remaining_commands():
    out = run(COMMANDS, 't2', states.SUCCESS)
    assert out.commands == (
        SetWorkflowState(states.PAUSED, 'hold', trig('on-success')),
        RunTask('a', {'o': 1}, trig('on-success')),
        RunTask('b', {'o': 1}, trig('on-complete')),
    )


def test_guarded_command_is_skipped_when_false():
    out = run(COMMANDS, 't3', states.SUCCESS, guard_data={'bad': False})
    assert out.commands == (RunTask('a', {'o': 1}, trig('on-success')),)
    out = run(COMMANDS, 't3', states.SUCCESS, guard_data={'bad': True})
    assert out.commands == (
        SetWorkflowState(states.ERROR, None, trig('on-success')),)


def test_a_task_named_like_a_command_wins_over_the_command():
    spec = spec_of("""
wf:
  tasks:
    t1:
      on-success: [fail, a]
    fail: {}
    a: {}
""")
    out = run(spec, 't1', states.SUCCESS)
    assert [type(c) for c in out.commands] == [RunTask, RunTask]
    assert [c.task_name for c in out.commands] == ['fail', 'a']


def test_dynamic_target_is_resolved_from_guard_data():
    spec = spec_of("""
wf:
  tasks:
    t1:
      on-success:
        - <% $.next %>
        - '{{ _.other }}'
    a: {}
    b: {}
""")
    out = run(spec, 't1', states.SUCCESS,
              guard_data={'next': 'a', 'other': 'b'})
    assert [c.task_name for c in out.commands] == ['a', 'b']


def test_dynamic_target_that_is_no_task_fails_the_workflow():
    spec = spec_of("""
wf:
  tasks:
    t1:
      on-success:
        - <% $.next %>
        - a
    a: {}
""")
    out = run(spec, 't1', states.SUCCESS, guard_data={'next': 'ghost'})
    assert out.commands == (SetWorkflowState(
        states.ERROR, "Task 'ghost' not found.", trig('on-success')),)


# -- skipped tasks -----------------------------------------------------------

SKIPS = spec_of("""
wf:
  tasks:
    with_skip:
      on-skip: [s]
      on-success: [ok]
      on-complete: [always]
    without_skip:
      on-success: [ok]
      on-complete: [always]
    guarded_skip:
      on-skip:
        - s: <% false %>
      on-success: [ok]
    s: {}
    ok: {}
    always: {}
""")


def test_skipped_task_follows_on_skip_and_not_on_complete():
    out = run(SKIPS, 'with_skip', states.SKIPPED)
    assert out.next_tasks == (('s', 'on-skip'),)


def test_skipped_task_without_on_skip_follows_on_success():
    out = run(SKIPS, 'without_skip', states.SKIPPED)
    assert out.next_tasks == (('ok', 'on-success'),)
    assert out.commands == (RunTask('ok', {'o': 1}, trig('on-success')),)


def test_skipped_task_whose_on_skip_guards_all_fail_follows_on_success():
    out = run(SKIPS, 'guarded_skip', states.SKIPPED)
    assert out.next_tasks == (('ok', 'on-success'),)


# -- publish -----------------------------------------------------------------

PUBLISH = spec_of("""
wf:
  tasks:
    t1:
      publish:
        x: task
        only_task: 1
      publish-on-error:
        x: task-error
      publish-on-skip:
        x: task-skip
      on-success:
        publish:
          branch:
            x: success
            y: success
            only_success: 1
          global:
            g: success
        next: [a]
      on-error:
        publish:
          branch:
            y: error
        next: [a]
      on-complete:
        publish:
          branch:
            x: complete
            y: complete
            z: complete
          global:
            g: complete
            h: complete
        next: [a]
    t2:
      on-skip:
        publish:
          branch: {s: skip}
        next: [a]
    a: {}
""")


def test_publish_precedence_on_success():
    branch, glob = direct.publish_for(PUBLISH.task('t1'), states.SUCCESS)
    assert branch == {'x': 'task', 'y': 'success', 'z': 'complete',
                      'only_task': 1, 'only_success': 1}
    assert glob == {'g': 'success', 'h': 'complete'}


def test_publish_precedence_on_error():
    branch, glob = direct.publish_for(PUBLISH.task('t1'), states.ERROR)
    assert branch == {'x': 'task-error', 'y': 'error', 'z': 'complete'}
    assert glob == {'g': 'complete', 'h': 'complete'}


def test_publish_of_skipped_task_comes_from_on_skip():
    assert direct.publish_for(PUBLISH.task('t2'), states.SKIPPED) == (
        {'s': 'skip'}, {})


def test_publish_on_skip_applies_to_skipped_task():
    branch, _ = direct.publish_for(PUBLISH.task('t1'), states.SKIPPED)
    assert branch['x'] == 'task-skip'


def test_nothing_is_published_for_cancelled_task():
    assert direct.publish_for(PUBLISH.task('t1'), states.CANCELLED) == ({}, {})


# -- error handling ----------------------------------------------------------

HANDLING = spec_of("""
wf:
  tasks:
    handled:
      on-error: [h]
    noop_handled:
      on-error: noop
    complete_only:
      on-complete: [h]
    publish_only:
      on-error:
        publish:
          branch: {e: 1}
    guarded:
      on-error:
        - h: <% false %>
    h: {}
""")


@pytest.mark.parametrize('task, handled', [
    ('handled', True), ('noop_handled', True), ('complete_only', False),
    ('publish_only', False), ('h', False)])
def test_is_error_handled(task, handled):
    outcome = run(HANDLING, task, states.ERROR)
    assert direct.is_error_handled(outcome) is handled


def test_error_is_not_handled_when_no_on_error_transition_fires():
    out = run(HANDLING, 'guarded', states.ERROR)
    assert out.next_tasks == ()
    assert direct.is_error_handled(out) is False


# -- join --------------------------------------------------------------------

JOINS = spec_of("""
wf:
  tasks:
    a:
      on-success: [all, one, two]
    b:
      on-success: [all, one, two]
    c:
      on-success: [all, one, two]
    all:
      join: all
    one:
      join: one
    two:
      join: 2
""")

FIRED = Inbound(completed=True, fired=True)
DEAD = Inbound(completed=True, fired=False)
RUNNING = Inbound(completed=False, fired=False)


@pytest.mark.parametrize('join, a, b, c, expected', [
    ('all', FIRED, FIRED, FIRED, direct.JOIN_READY),
    ('all', FIRED, FIRED, None, direct.JOIN_WAITING),
    ('all', FIRED, RUNNING, FIRED, direct.JOIN_WAITING),
    ('all', FIRED, DEAD, None, direct.JOIN_FAILED),
    ('one', None, None, FIRED, direct.JOIN_READY),
    ('one', DEAD, DEAD, None, direct.JOIN_WAITING),
    ('one', DEAD, DEAD, DEAD, direct.JOIN_FAILED),
    ('two', FIRED, DEAD, FIRED, direct.JOIN_READY),
    ('two', FIRED, DEAD, None, direct.JOIN_WAITING),
    ('two', FIRED, DEAD, DEAD, direct.JOIN_FAILED),
    ('two', DEAD, DEAD, None, direct.JOIN_FAILED),
])
def test_join_status(join, a, b, c, expected):
    assert JOINS.inbound[join] == ('a', 'b', 'c')
    status = direct.join_status(JOINS.task(join), {'a': a, 'b': b, 'c': c})
    assert status == expected


# -- join reachability --------------------------------------------------------

DEEP = spec_of("""
wf:
  tasks:
    start:
      on-success: b
      on-error: c0
    c0:
      on-success: c
    b:
      on-success: j
    c:
      on-success: j
    loop:
      on-success:
        - loop: <% $.again %>
        - j: <% not $.again %>
    j:
      join: all
      on-success: after
    after:
      on-success: c
""")


def test_reachable_tasks_follow_every_transition_ignoring_guards():
    assert direct.reachable_tasks(DEEP, {'start'}, 'j') == {
        'start', 'b', 'c0', 'c', 'j'}


def test_reachable_tasks_do_not_go_on_through_the_join():
    # `after` (and through it `c`) is only reachable through j itself.
    assert direct.reachable_tasks(DEEP, {'b'}, 'j') == {'b', 'j'}


def test_reachable_tasks_include_loops():
    assert direct.reachable_tasks(DEEP, {'loop'}, 'j') == {'loop', 'j'}


def test_reachable_tasks_unknown_with_a_target_chosen_at_run_time():
    spec = spec_of("""
wf:
  tasks:
    a:
      on-success: <% $.next %>
    b:
      on-success: j
    j:
      join: all
""")
    assert direct.reachable_tasks(spec, {'a'}, 'j') is None
    assert direct.reachable_tasks(spec, {'b'}, 'j') == {'b', 'j'}


def test_join_fails_when_an_inbound_task_can_no_longer_be_reached():
    # start succeeded and b fired: c0 (hence c) will never run.
    inbound = {'b': FIRED, 'c': None}
    reachable = direct.reachable_tasks(DEEP, set(), 'j')
    assert direct.join_status(DEEP.task('j'), inbound) == direct.JOIN_WAITING
    assert direct.join_status(DEEP.task('j'), inbound, reachable) == \
        direct.JOIN_FAILED
    assert direct.dead_inbound(inbound, reachable) == ['c']


def test_join_waits_while_an_inbound_task_can_still_be_reached():
    inbound = {'b': FIRED, 'c': None}
    reachable = direct.reachable_tasks(DEEP, {'c0'}, 'j')
    assert direct.join_status(DEEP.task('j'), inbound, reachable) == \
        direct.JOIN_WAITING


def test_join_waits_for_a_task_that_may_run_again_in_a_loop():
    spec = spec_of("""
wf:
  tasks:
    loop:
      on-success:
        - loop: <% $.again %>
        - j: <% not $.again %>
    other:
      on-success: j
    j:
      join: all
""")
    inbound = {'loop': DEAD, 'other': FIRED}
    assert direct.join_status(spec.task('j'), inbound) == direct.JOIN_FAILED
    looping = direct.reachable_tasks(spec, {'loop'}, 'j')
    assert direct.join_status(spec.task('j'), inbound, looping) == \
        direct.JOIN_WAITING
    ended = direct.reachable_tasks(spec, set(), 'j')
    assert direct.join_status(spec.task('j'), inbound, ended) == \
        direct.JOIN_FAILED


def test_blocking_tasks_are_those_that_have_not_fired():
    assert direct.blocking_tasks({'a': FIRED, 'b': DEAD, 'c': None,
                                  'd': RUNNING}) == ['b', 'c', 'd']


def test_commands_are_immutable_values():
    cmd = commands.RunTask('a', {})
    with pytest.raises(AttributeError):
        cmd.task_name = 'b'

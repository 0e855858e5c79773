"""Workflow semantics on the pure core with scripted action results and a
manual clock (tests/unit/workflow/simulation.py): timing policies,
with-items, joins and reverse workflows, asserted as timed sequences of
task states. No database, RPC or sleeps."""
from mistral.lang import parser
from mistral.workflow import states
from tests.unit.workflow.simulation import Simulation, error, ok

S, E = states.SUCCESS, states.ERROR
R, D, W, I = (states.RUNNING, states.RUNNING_DELAYED, states.WAITING,
              states.IDLE)


def sim(text, script=None, **kwargs):
    spec, = parser.parse_workflows(text)
    return Simulation(spec, script, **kwargs)


# -- wait-before / wait-after ----------------------------------------------------

def test_wait_before_delays_the_start_then_runs_normally():
    s = sim("""
wf:
  tasks:
    t:
      action: std.echo output=1
      wait-before: 2
      publish: {r: <% task().result %>}
      on-success: next
    next: {}
""", {'t': [ok(1)]})
    assert s.run() == S
    assert s.states_of('t') == [(0, R), (0, D), (2, R), (2, S)]
    assert s.states_of('next') == [(2, R), (2, S)]
    assert s.latest('t').published == {'r': 1}


def test_wait_before_info_and_expression_value():
    s = sim("""
wf:
  input: [delay]
  tasks:
    t:
      wait-before: <% $.delay %>
""", input={'delay': 3})
    s.run(max_steps=1)
    t = s.latest('t')
    assert (t.state, t.state_info) == (D, "Delayed by 'wait-before' policy "
                                          "[delay=3]")
    assert s.run() == S and s.clock.now() == 3


def test_wait_after_holds_the_outcome_and_the_transitions():
    s = sim("""
wf:
  tasks:
    t:
      action: std.fail
      wait-after: 1
      on-error: handler
    handler: {}
""", {'t': [error('bad')]})
    assert s.run() == S
    assert s.states_of('t') == [(0, R), (0, D), (1, E)]
    assert s.states_of('handler') == [(1, R), (1, S)]
    assert s.latest('t').state_info == 'bad'


# -- retry ---------------------------------------------------------------------------

RETRY = """
wf:
  tasks:
    t:
      retry: {count: 2, delay: 5}
"""


def test_retry_delay_runs_again_after_each_delay():
    s = sim(RETRY, {'t': [error(), error(), ok('fine')]})
    assert s.run() == S
    assert s.states_of('t') == [(0, R), (0, D), (5, R), (5, D), (10, R),
                                (10, S)]
    assert s.actions == {'t': 3}
    assert s.latest('t').runtime['retry_task_policy']['retry_no'] == 2


def test_retry_count_excludes_the_first_run_then_fails():
    s = sim(RETRY, {'t': [error()] * 5})
    assert s.run() == E
    assert s.actions == {'t': 3} and s.clock.now() == 10


def test_retry_info():
    s = sim(RETRY, {'t': [error()]})
    s.run(max_steps=2)
    assert s.latest('t').state_info == "Delayed by 'retry' policy [delay=5]"


def test_retry_break_on_stops_at_once():
    s = sim("""
wf:
  tasks:
    t:
      retry: {count: 5, delay: 1, break-on: <% task().result = 'fatal' %>}
""", {'t': [error('transient'), error('fatal'), ok()]})
    assert s.run() == E
    assert s.actions == {'t': 2} and s.clock.now() == 1


def test_retry_continue_on_polls_while_the_condition_holds():
    s = sim("""
wf:
  tasks:
    t:
      retry: {count: 5, delay: 2, continue-on: <% task().result < 3 %>}
""", {'t': [ok(1), ok(2), ok(3), ok(4)]})
    assert s.run() == S
    assert s.actions == {'t': 3} and s.clock.now() == 4
    assert s.latest('t').result == 3


def test_with_items_retry_reruns_every_item():
    s = sim("""
wf:
  tasks:
    t:
      with-items: x in [1, 2]
      retry: {count: 1, delay: 3}
""", {'t': [ok(), error(), ok('a'), ok('b')]})
    assert s.run() == S
    assert s.actions == {'t': 4} and s.latest('t').result == ['a', 'b']
    assert s.states_of('t') == [(0, R), (0, D), (3, R), (3, S)]


# -- timeout ---------------------------------------------------------------------------

def test_timeout_fails_a_slow_action_and_its_late_result_is_ignored():
    s = sim("""
wf:
  tasks:
    t:
      timeout: 3
      on-error: after
    after: {}
""", {'t': [ok('late', after=10)]})
    assert s.run() == S
    assert s.states_of('t') == [(0, R), (3, E)]
    assert s.latest('t').state_info == 'Task timed out [timeout(s)=3].'
    assert s.states_of('after') == [(3, R), (3, S)]


def test_timeout_not_reached():
    s = sim("""
wf:
  tasks:
    t:
      timeout: 5
""", {'t': [ok(1, after=2)]})
    assert s.run() == S
    assert s.states_of('t') == [(0, R), (2, S)]


def test_no_retry_after_a_timeout():
    s = sim("""
wf:
  tasks:
    t:
      timeout: 1
      retry: {count: 2, delay: 0}
""", {'t': [ok(after=5)] * 3})
    assert s.run() == E
    assert s.actions == {'t': 1} and s.clock.now() == 1


def test_timeout_is_armed_after_wait_before():
    s = sim("""
wf:
  tasks:
    t:
      wait-before: 2
      timeout: 3
""", {'t': [ok(after=4)]})
    assert s.run() == E
    assert s.states_of('t') == [(0, R), (0, D), (2, R), (5, E)]


def test_timeout_covers_all_iterations_of_a_with_items_task():
    s = sim("""
wf:
  tasks:
    t:
      with-items: i in [1, 2, 3]
      concurrency: 1
      timeout: 1
      on-error: after
    after: {}
""", {'t': [ok(after=0.7)] * 3})
    assert s.run() == S
    assert s.states_of('t') == [(0, R), (1, E)]
    assert s.actions['t'] == 2


# -- pause-before ------------------------------------------------------------------------

def test_pause_before_pauses_until_resumed():
    s = sim("""
wf:
  tasks:
    a:
      on-success: b
    b:
      pause-before: true
""")
    assert s.run() == states.PAUSED
    assert (s.latest('b').state, s.latest('b').state_info) == (
        I, "Set by 'pause-before' policy")
    assert s.resume() == S
    assert s.states_of('b') == [(0, R), (0, I), (0, R), (0, S)]


# -- with-items -----------------------------------------------------------------------------

def test_with_items_concurrency_and_result_order():
    s = sim("""
wf:
  tasks:
    t:
      with-items:
        - x in [1, 2, 3]
        - y in <% ['a', 'b', 'c'] %>
      concurrency: 2
      publish: {r: <% task().result %>}
""", {'t': [ok('one', after=5), ok('two', after=1), ok('three', after=1)]})
    assert s.run() == S
    # Two at a time: the third starts when the second ends (t=1).
    assert s.clock.now() == 5
    assert s.latest('t').published == {'r': ['one', 'two', 'three']}


def test_with_items_waits_for_every_item_before_failing():
    s = sim("""
wf:
  tasks:
    t:
      with-items: x in [1, 2]
""", {'t': [error(after=1), ok(after=4)]})
    assert s.run() == E
    assert s.states_of('t') == [(0, R), (4, E)]
    assert s.latest('t').state_info == 'One or more actions had failed.'


def test_with_items_unequal_lists_fail_the_task():
    s = sim("""
wf:
  tasks:
    t:
      with-items:
        - x in [1, 2]
        - y in [1]
""")
    assert s.run() == E
    assert 'All arrays must have the same length' in \
        s.latest('t').state_info


# -- joins -------------------------------------------------------------------------------------

def test_join_fails_as_soon_as_a_deeper_route_is_closed():
    s = sim("""
wf:
  tasks:
    start:
      on-success: [b, slow]
      on-error: c0
    c0:
      on-success: c
    b:
      on-success: j
    c:
      on-success: j
    j:
      join: all
      on-error: handled
    handled: {}
    slow: {}
""", {'slow': [ok(after=100)]})
    assert s.run() == S
    # j fails when b fires it (c0, hence c, can no longer run), long
    # before the slow branch ends.
    assert s.states_of('j') == [(0, W), (0, E)]
    assert s.latest('j').state_info == "Failed by tasks: ['c']"
    assert s.clock.now() == 100


def test_join_waits_for_an_inbound_task_running_in_a_loop():
    s = sim("""
wf:
  input: [{n: 0}]
  tasks:
    init:
      on-success: loop
    loop:
      publish: {n: <% $.n + 1 %>}
      on-success:
        - loop: <% $.n < 3 %>
        - j: <% $.n >= 3 %>
    other:
      on-success: j
    j:
      join: all
""", {'loop': [ok(after=1)] * 3})
    assert s.run() == S
    assert s.states_of('j')[-2:] == [(3, R), (3, S)]
    assert s.actions['loop'] == 3


def test_join_one_runs_on_the_first_inbound_task():
    s = sim("""
wf:
  tasks:
    a:
      on-success: j
    b:
      on-success: j
    j:
      join: one
""", {'a': [ok(after=2)], 'b': [ok(after=1)]})
    assert s.run() == S
    assert s.states_of('j') == [(1, W), (1, R), (1, S)]


# -- reverse --------------------------------------------------------------------------------------

def test_reverse_runs_only_what_the_target_requires_leaves_first():
    s = sim("""
wf:
  type: reverse
  tasks:
    a: {}
    b:
      requires: [a]
    c:
      requires: [b]
    unrelated: {}
""", {'a': [ok(after=1)], 'b': [ok(after=1)]}, task_name='b')
    assert s.run() == S
    assert [(n, st) for _, n, st in s.trace if n != '<workflow>'] == [
        ('a', R), ('a', S), ('b', R), ('b', S)]
    assert s.clock.now() == 2

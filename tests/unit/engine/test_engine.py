"""The engine and executor services wired with the in-process transport on
a real SQLite database (no HTTP)."""
from __future__ import annotations

import datetime
import threading
import pytest
import sqlalchemy as sa

from mistral import exceptions as exc
from mistral.db import migrations, models
from mistral.db.store import Store
from mistral.engine import outbox
from mistral.engine.engine import Engine
from mistral.engine.workflow_run import EngineSettings
from mistral.executor.executor import Executor
from mistral.lang import parser
from mistral.rpc.inprocess import InProcessTransport
from mistral.workflow import states

from tests.unit.engine.conftest import Services

PROJECT = models.DEFAULT_PROJECT_ID


def test_chain_publishes_and_evaluates_output(services):
    services.define("""
version: '2.0'
chain:
  input: [name, {greeting: Hello}]
  output:
    message: <% $.message %>
    upper: '{{ _.message | upper }}'
  tasks:
    first:
      action: std.echo output="<% $.greeting %>, <% $.name %>"
      publish: {message: <% task().result %>}
      on-success: second
    second:
      action: std.noop
""")
    wf_ex = services.wait(services.start('chain', {'name': 'Ann'}))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'message': 'Hello, Ann', 'upper': 'HELLO, ANN'}
    assert [t.name for t in services.tasks(wf_ex.id)] == ['first', 'second']


def test_whole_context_is_the_output_when_output_is_missing(services):
    services.define("""
version: '2.0'
no_output:
  input: [a]
  vars: {v: 1}
  tasks:
    t1:
      action: std.echo output=<% $.a + $.v %>
      publish: {x: <% task().result %>}
""")
    wf_ex = services.wait(services.start('no_output', {'a': 2}))
    assert wf_ex.output == {'x': 3}


def test_join_all_merges_every_branch(services):
    branches = '\n'.join(
        f'    b{i}:\n      action: std.echo output={i}\n'
        f'      publish: {{v{i}: <% task().result %>}}\n      on-success: j'
        for i in range(20))
    services.define(f"""
version: '2.0'
fan:
  tasks:
    start:
      on-success: [{', '.join(f'b{i}' for i in range(20))}]
{branches}
    j:
      join: all
      action: std.echo output=<% {' + '.join(f'$.v{i}' for i in range(20))} %>
      publish: {{total: <% task().result %>}}
""")
    wf_ex = services.wait(services.start('fan'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output['total'] == sum(range(20))
    joins = [t for t in services.tasks(wf_ex.id) if t.name == 'j']
    assert len(joins) == 1


def test_join_that_can_not_be_satisfied_fails(services):
    services.define("""
version: '2.0'
broken_join:
  tasks:
    a:
      action: std.fail
      on-success: j
    b:
      on-success: j
    j:
      join: all
""")
    wf_ex = services.wait(services.start('broken_join'))
    assert wf_ex.state == states.ERROR
    assert wf_ex.state_info.startswith('Failure caused by error in tasks: a, j')
    j, = [t for t in services.tasks(wf_ex.id) if t.name == 'j']
    assert j.state == states.ERROR
    assert j.state_info == "Failed by tasks: ['a']"


def test_handled_error_and_on_complete(services):
    services.define("""
version: '2.0'
handled:
  tasks:
    bad:
      action: std.fail
      publish-on-error: {failed: true}
      on-error: cleanup
      on-complete: always
    cleanup:
      action: std.echo output=<% $.failed %>
      publish: {cleaned: <% task().result %>}
    always:
      action: std.noop
""")
    wf_ex = services.wait(services.start('handled'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    names = {t.name: t.state for t in services.tasks(wf_ex.id)}
    assert names == {'bad': 'ERROR', 'cleanup': 'SUCCESS',
                     'always': 'SUCCESS'}


def test_engine_commands_with_messages(services):
    services.define("""
version: '2.0'
commands:
  input: [mode]
  tasks:
    decide:
      action: std.noop
      publish: {x: 1}
      on-success:
        - fail msg="failed on purpose": <% $.mode = 'fail' %>
        - succeed msg="done early": <% $.mode = 'succeed' %>
        - never_reached
    never_reached:
      action: std.noop
""")
    failed = services.wait(services.start('commands', {'mode': 'fail'}))
    assert (failed.state, failed.state_info) == (states.ERROR,
                                                 'failed on purpose')
    assert [t.name for t in services.tasks(failed.id)] == ['decide']
    done = services.wait(services.start('commands', {'mode': 'succeed'}))
    assert (done.state, done.state_info) == (states.SUCCESS, 'done early')
    assert done.output == {'x': 1}


def test_pause_command_then_resume_runs_the_backlog(services):
    services.define("""
version: '2.0'
pausing:
  tasks:
    a:
      on-success: [pause, b]
    b:
      action: std.echo output=done
      publish: {b: <% task().result %>}
""")
    execution_id = services.start('pausing')
    paused = services.wait(execution_id, until={states.PAUSED})
    assert [t.name for t in services.tasks(paused.id)] == ['a']
    services.engine.resume_workflow(execution_id)
    wf_ex = services.wait(execution_id)
    assert wf_ex.state == states.SUCCESS
    assert wf_ex.output == {'b': 'done'}


def test_evaluation_error_fails_the_task_with_upstream_message(services):
    services.define("""
version: '2.0'
bad_expr:
  tasks:
    t1:
      action: std.echo output=<% $.missing.key %>
""")
    wf_ex = services.wait(services.start('bad_expr'))
    assert wf_ex.state == states.ERROR
    task, = services.tasks(wf_ex.id)
    assert task.state_info.startswith(
        'Can not evaluate YAQL expression [expression=$.missing.key')


def test_bad_workflow_input_is_rejected_before_anything_is_stored(services):
    services.define("""
version: '2.0'
needs_input:
  input: [required]
  tasks:
    t1: {}
""")
    with pytest.raises(exc.WorkflowInputError) as error:
        services.start('needs_input', {'other': 1})
    assert "missing=['required']" in str(error.value)
    assert "unexpected=['other']" in str(error.value)
    with services.store.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.WorkflowExecution)) == 0


def test_duplicate_action_result_changes_nothing(services):
    services.define("""
version: '2.0'
once:
  tasks:
    t1:
      action: std.echo output=1
      publish: {v: <% task().result %>}
""")
    wf_ex = services.wait(services.start('once'))
    task, = services.tasks(wf_ex.id)
    with services.store.read() as session:
        action_ex = session.scalars(sa.select(models.ActionExecution).where(
            models.ActionExecution.task_execution_id == task.id)).one()
    services.engine.on_action_complete(action_ex.id, {'data': 'late'})
    services.engine.on_action_complete(action_ex.id, {'error': 'late'})
    after = services.wait(wf_ex.id)
    assert after.state == states.SUCCESS and after.output == {'v': 1}
    with services.store.read() as session:
        stored = session.get(models.ActionExecution, action_ex.id)
    assert stored.output == {'result': 1}


def test_concurrent_results_for_one_execution_are_serialised(services):
    """Many results for one execution arrive at once; the join counts every
    one of them (one writer per execution)."""
    n = 30
    services.define(f"""
version: '2.0'
race:
  tasks:
    start:
      on-success: [{', '.join(f'b{i}' for i in range(n))}]
{''.join(f'''    b{i}:
      action: std.sleep seconds=0.05
      on-success: j
''' for i in range(n))}    j:
      join: all
""")
    ids = [services.start('race') for _ in range(3)]
    for execution_id in ids:
        wf_ex = services.wait(execution_id, timeout=60)
        assert wf_ex.state == states.SUCCESS, wf_ex.state_info
        tasks = services.tasks(execution_id)
        assert len(tasks) == n + 2
        assert sum(t.name == 'j' for t in tasks) == 1


def test_outbox_is_empty_after_sending(services):
    services.define("""
version: '2.0'
simple:
  tasks:
    t1:
      action: std.noop
""")
    services.wait(services.start('simple'))
    with services.store.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.OutboxMessage)) == 0


def test_stale_outbox_messages_are_resent(services):
    """A process committed a message and died before sending it."""
    sent = []

    class Recorder:
        def cast(self, topic, method, payload, server=None):
            sent.append((topic, method, payload, server))

    old = models.utcnow() - datetime.timedelta(seconds=120)

    def write(session):
        session.add(models.OutboxMessage(
            topic='mistral_executor', method='run_action',
            payload={'action_ex_id': 'x'}, server='host-a', created_at=old))
        session.add(models.OutboxMessage(
            topic='mistral_executor', method='run_action',
            payload={'action_ex_id': 'fresh'}))

    services.store.run_in_transaction(write)
    count = outbox.resend_stale(services.store, Recorder(), older_than_s=30)
    assert count == 1
    assert sent == [('mistral_executor', 'run_action', {'action_ex_id': 'x'},
                     'host-a')]
    with services.store.read() as session:
        left = session.scalars(sa.select(models.OutboxMessage)).all()
    assert [m.payload for m in left] == [{'action_ex_id': 'fresh'}]


def test_field_size_limit_fails_the_task(tmp_path):
    url = f'sqlite:///{tmp_path}/limit.sqlite'
    migrations.upgrade(url)
    store = Store.from_url(url)
    transport = InProcessTransport()
    engine = Engine(store, transport, EngineSettings(field_size_limit_kb=1))
    transport.serve('mistral_engine', 'e', engine, 2)
    executor = Executor(transport, 'mistral_engine')
    transport.serve('mistral_executor', 'x', executor, 2)
    services = Services(store, transport, engine)
    try:
        services.define("""
version: '2.0'
big:
  tasks:
    t1:
      action: std.echo output=<% 'x' * 5000 %>
""")
        wf_ex = services.wait(services.start('big'))
        assert wf_ex.state == states.ERROR
        task, = services.tasks(wf_ex.id)
        assert 'Field size limit exceeded' in task.state_info
    finally:
        executor.stop()
        transport.close()
        store.dispose()


def test_threads_do_not_leak_between_executions(services):
    services.define("""
version: '2.0'
double:
  input: [n]
  output: {r: <% $.r %>}
  tasks:
    t:
      action: std.echo output=<% $.n * 2 %>
      publish: {r: <% task().result %>}
""")
    ids = {}
    lock = threading.Lock()

    def start(n):
        execution_id = services.start('double', {'n': n})
        with lock:
            ids[n] = execution_id

    threads = [threading.Thread(target=start, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, execution_id in ids.items():
        assert services.wait(execution_id).output == {'r': 2 * n}


def test_parser_definition_round_trip_for_many_workflows():
    specs = parser.parse_workflows("""
version: '2.0'
one:
  tasks: {a: {}}
two:
  tasks: {b: {}}
""")
    texts = [parser.workflow_definition(s) for s in specs]
    assert [parser.parse_workflows(t)[0].name for t in texts] == ['one',
                                                                 'two']


def test_env_expressions_are_evaluated_unless_disabled(services):
    services.define("""
version: '2.0'
env_user:
  output: {v: <% env().derived %>}
  tasks:
    t: {}
""")
    env = {'base': 'x', 'derived': '<% env().base %>-y'}
    evaluated = services.wait(services.start('env_user',
                                             params={'env': env}))
    assert evaluated.output == {'v': 'x-y'}
    raw = services.wait(services.start(
        'env_user', params={'env': env, 'evaluate_env': False}))
    assert raw.output == {'v': '<% env().base %>-y'}


def test_keep_result_false_drops_results_after_publish(services):
    services.define("""
version: '2.0'
forget:
  output: {p: <% $.p %>}
  tasks:
    t:
      action: std.echo output=secret
      keep-result: false
      publish: {p: <% task().result %>}
""")
    wf_ex = services.wait(services.start('forget'))
    assert wf_ex.output == {'p': 'secret'}
    task, = services.tasks(wf_ex.id)
    with services.store.read() as session:
        action_ex = session.scalars(sa.select(models.ActionExecution).where(
            models.ActionExecution.task_execution_id == task.id)).one()
    assert action_ex.output == {'result': None}


def test_join_keeps_the_value_published_last(services):
    """Context versioning: branch b publishes x after branch a did; a's
    context reaches the join last but its x is older."""
    services.define("""
version: '2.0'
versions:
  output: {x: <% $.x %>}
  tasks:
    start:
      on-success: [a1, b1]
    b1:
      action: std.sleep seconds=0.2
      publish: {x: from_b}
      on-success: j
    a1:
      publish: {x: from_a}
      on-success: a2
    a2:
      action: std.sleep seconds=0.5
      on-success: j
    j:
      join: all
""")
    wf_ex = services.wait(services.start('versions'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'x': 'from_b'}

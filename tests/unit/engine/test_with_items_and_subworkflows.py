"""with-items and sub-workflow tasks through the engine services."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from mistral import exceptions as exc
from mistral.db import models
from mistral.workflow import states


def test_with_items_results_are_ordered_by_index(services):
    services.define("""
version: '2.0'
items:
  input: [xs]
  output: {r: <% $.r %>}
  tasks:
    t:
      with-items: x in <% $.xs %>
      action: std.echo output=<% $.x * 10 %>
      publish: {r: <% task().result %>}
""")
    wf_ex = services.wait(services.start('items', {'xs': list(range(25))}))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': [x * 10 for x in range(25)]}


def test_with_items_several_lists_in_lockstep_with_concurrency(services):
    services.define("""
version: '2.0'
lockstep:
  output: {r: <% $.r %>}
  tasks:
    t:
      with-items:
        - a in [1, 2, 3, 4]
        - b in <% list(10, 20, 30, 40) %>
      concurrency: 2
      action: std.echo output=<% $.a + $.b %>
      publish: {r: <% task().result %>}
""")
    wf_ex = services.wait(services.start('lockstep'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': [11, 22, 33, 44]}


def test_with_items_empty_list_succeeds_with_empty_result(services):
    services.define("""
version: '2.0'
empty:
  output: {r: <% $.r %>}
  tasks:
    t:
      with-items: x in <% [] %>
      action: std.echo output=<% $.x %>
      publish: {r: <% task().result %>}
""")
    wf_ex = services.wait(services.start('empty'))
    assert wf_ex.output == {'r': []}


def test_with_items_waits_for_all_items_then_fails(services):
    services.define("""
version: '2.0'
some_fail:
  tasks:
    t:
      with-items: x in [1, 2, 3]
      action: std.fail
""")
    wf_ex = services.wait(services.start('some_fail'))
    assert wf_ex.state == states.ERROR
    task, = services.tasks(wf_ex.id)
    assert task.state == states.ERROR
    assert task.runtime_context['with_items']['done'] == 3


def test_with_items_unequal_lists_fail_the_task(services):
    services.define("""
version: '2.0'
unequal:
  tasks:
    t:
      with-items:
        - a in [1, 2]
        - b in [1]
      action: std.noop
""")
    wf_ex = services.wait(services.start('unequal'))
    task, = services.tasks(wf_ex.id)
    assert task.state == states.ERROR
    assert 'same length' in task.state_info


def test_subworkflow_output_is_the_task_result(services):
    services.define("""
version: '2.0'
child:
  input: [x]
  output: {doubled: <% $.x * 2 %>}
  tasks:
    t: {action: std.noop}
parent:
  output: {r: <% $.r %>}
  tasks:
    call:
      workflow: child x=21
      publish: {r: <% task().result.doubled %>}
""")
    wf_ex = services.wait(services.start('parent'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': 42}
    with services.store.read() as session:
        from mistral.db import models
        import sqlalchemy as sa
        child = session.scalars(sa.select(models.WorkflowExecution).where(
            models.WorkflowExecution.task_execution_id.is_not(None))).one()
    assert child.root_execution_id == wf_ex.id
    assert child.state == states.SUCCESS


def test_subworkflow_failure_fails_the_parent_task(services):
    services.define("""
version: '2.0'
bad_child:
  tasks:
    t: {action: std.fail}
caller:
  tasks:
    call:
      workflow: bad_child
""")
    wf_ex = services.wait(services.start('caller'))
    assert wf_ex.state == states.ERROR
    assert '[wf_ex_id=' in wf_ex.state_info
    call, = services.tasks(wf_ex.id)
    assert call.state == states.ERROR
    assert call.state_info.startswith('Failure caused by error in tasks: t')


def test_with_items_over_subworkflows(services):
    services.define("""
version: '2.0'
square:
  input: [n]
  output: {sq: <% $.n * $.n %>}
  tasks:
    t: {}
squares:
  output: {r: <% $.r %>}
  tasks:
    each:
      with-items: n in [1, 2, 3]
      workflow: square
      input: {n: <% $.n %>}
      publish: {r: <% task().result.select($.sq) %>}
""")
    wf_ex = services.wait(services.start('squares'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': [1, 4, 9]}


def test_unknown_subworkflow_fails_the_task_clearly(services):
    services.define("""
version: '2.0'
lonely:
  tasks:
    call:
      workflow: does_not_exist
""")
    wf_ex = services.wait(services.start('lonely'))
    call, = services.tasks(wf_ex.id)
    assert call.state == states.ERROR
    assert call.state_info.startswith('Workflow not found')


def test_reverse_workflow_runs_only_what_the_target_needs(services):
    services.define("""
version: '2.0'
rev:
  type: reverse
  output: {r: <% $.r %>}
  tasks:
    a:
      action: std.echo output=1
      publish: {a: <% task().result %>}
    b:
      action: std.echo output=2
      publish: {b: <% task().result %>}
    unrelated:
      action: std.fail
    c:
      requires: [a, b]
      action: std.echo output=<% $.a + $.b %>
      publish: {r: <% task().result %>}
""")
    wf_ex = services.wait(services.start('rev', params={'task_name': 'c'}))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': 3}
    assert sorted(t.name for t in services.tasks(wf_ex.id)) == ['a', 'b',
                                                                 'c']


def test_reverse_workflow_without_task_name_is_refused(services):
    services.define("""
version: '2.0'
rev2:
  type: reverse
  tasks:
    a: {}
""")
    with pytest.raises(exc.InputError, match='params.task_name'):
        services.start('rev2')
    with pytest.raises(exc.InputError, match="Task 'nope' not found"):
        services.start('rev2', params={'task_name': 'nope'})
    with services.store.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.WorkflowExecution)) == 0


def test_pause_resume_and_cancel_reach_sub_workflows(services):
    services.define("""
version: '2.0'
sleepy_child:
  tasks:
    first:
      action: std.sleep seconds=0.5
      on-success: second
    second:
      action: std.noop
sleepy_parent:
  tasks:
    call:
      workflow: sleepy_child
""")
    execution_id = services.start('sleepy_parent')
    services.engine.pause_workflow(execution_id)
    with services.store.read() as session:
        from mistral.db import models
        import sqlalchemy as sa
        child_id = session.scalars(sa.select(models.WorkflowExecution.id)
                                   .where(models.WorkflowExecution
                                          .root_execution_id ==
                                          execution_id)).one()
    child = services.wait(child_id, until={states.PAUSED})
    assert child.state == states.PAUSED
    # While paused, the child's first task finishes but nothing new starts.
    services.wait(execution_id, until={states.PAUSED})
    services.engine.resume_workflow(execution_id)
    assert services.wait(execution_id).state == states.SUCCESS
    assert services.wait(child_id).state == states.SUCCESS

    second = services.start('sleepy_parent')
    services.engine.stop_workflow(second, states.CANCELLED, 'enough')
    with services.store.read() as session:
        child_id = session.scalars(sa.select(models.WorkflowExecution.id)
                                   .where(models.WorkflowExecution
                                          .root_execution_id ==
                                          second)).one()
    assert services.wait(child_id).state == states.CANCELLED
    assert services.wait(second).state == states.CANCELLED


def test_child_paused_alone_pauses_the_parent(services):
    services.define("""
version: '2.0'
pausing_child:
  tasks:
    a:
      on-success: [pause, b]
    b: {}
pausing_parent:
  tasks:
    call:
      workflow: pausing_child
""")
    execution_id = services.start('pausing_parent')
    parent = services.wait(execution_id, until={states.PAUSED})
    call, = services.tasks(parent.id)
    assert call.state == states.PAUSED
    services.engine.resume_workflow(execution_id)
    assert services.wait(execution_id).state == states.SUCCESS


def test_tasks_function_recursive_and_flat(services):
    services.define("""
version: '2.0'
inner:
  tasks:
    i1: {action: std.echo output=1}
outer:
  output:
    own: <% tasks().select($.name) %>
    all: <% tasks(execution().id, true).select($.name).orderBy($) %>
    flat: <% tasks(execution().id, true, null, true).select($.name).orderBy($) %>
    ok: <% tasks(execution().id, false, 'SUCCESS').len() %>
  tasks:
    call:
      workflow: inner
      on-success: last
    last: {}
""")
    wf_ex = services.wait(services.start('outer'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'own': ['call', 'last'],
                            'all': ['call', 'i1', 'last'],
                            'flat': ['i1', 'last'], 'ok': 2}

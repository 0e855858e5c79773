"""Ad-hoc actions and workbooks through the engine services."""
from __future__ import annotations

from mistral.db import models
from mistral.services import actions as action_service
from mistral.services import workbooks as wb_service
from mistral.workflow import states

PROJECT = models.DEFAULT_PROJECT_ID


def _actions(services, text, namespace=''):
    services.store.run_in_transaction(
        lambda s: action_service.create_actions(s, text, namespace,
                                                'private', PROJECT))


def test_adhoc_action_prepares_input_and_transforms_output(services):
    _actions(services, """
version: '2.0'
greet:
  base: std.echo
  base-input:
    output: "Hello, <% $.name %><% $.mark %>"
  input: [name, {mark: '!'}]
  output: <% $.toUpper() %>
""")
    services.define("""
version: '2.0'
uses_adhoc:
  output: {r: <% $.r %>}
  tasks:
    t:
      action: greet name=Ann
      publish: {r: <% task().result %>}
""")
    wf_ex = services.wait(services.start('uses_adhoc'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': 'HELLO, ANN!'}


def test_chain_of_adhoc_actions_applies_outputs_innermost_first(services):
    _actions(services, """
version: '2.0'
inner:
  base: std.echo output=<% $.v %>
  input: [v]
  output: <% $ * 2 %>
outer:
  base: inner v=<% $.v + 1 %>
  input: [v]
  output: <% $ + 100 %>
""")
    services.define("""
version: '2.0'
chained:
  output: {r: <% $.r %>}
  tasks:
    t:
      action: outer v=1
      publish: {r: <% task().result %>}
""")
    wf_ex = services.wait(services.start('chained'))
    assert wf_ex.output == {'r': 104}


def test_adhoc_missing_required_input_fails_the_task(services):
    _actions(services, """
version: '2.0'
needs:
  base: std.echo output=<% $.x %>
  input: [x]
""")
    services.define("""
version: '2.0'
missing_input:
  tasks:
    t: {action: needs}
""")
    wf_ex = services.wait(services.start('missing_input'))
    task, = services.tasks(wf_ex.id)
    assert task.state == states.ERROR
    assert "missing=['x']" in task.state_info


def test_workbook_short_names_resolve_inside_the_workbook(services):
    services.store.run_in_transaction(lambda s: wb_service.create_workbook(
        s, """
version: '2.0'
name: book
actions:
  double:
    base: std.echo output=<% $.n * 2 %>
    input: [n]
workflows:
  child:
    input: [n]
    output: {r: <% $.r %>}
    tasks:
      d:
        action: double n=<% $.n %>
        publish: {r: <% task().result %>}
  main:
    output: {r: <% $.r %>}
    tasks:
      call:
        workflow: child n=21
        publish: {r: <% task().result.r %>}
""", '', 'private', PROJECT))
    wf_ex = services.wait(services.start('book.main'))
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert wf_ex.output == {'r': 42}

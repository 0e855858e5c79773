"""Workflow and task specs: schema, semantics, derived data (spec §1.3-1.5)."""
import pytest

from mistral import exceptions as exc
from mistral.lang import parser


def parse_one(text):
    spec, = parser.parse_workflows(text)
    return spec


def errors_of(text):
    with pytest.raises(exc.InvalidModelError) as e:
        parser.parse_workflows(text)
    assert str(e.value).startswith('Invalid DSL: ')
    return e.value.errors


# -- workflow level ----------------------------------------------------------

def test_workflow_attributes_and_defaults():
    spec = parse_one("""
wf:
  description: does things
  tags: [a, b]
  vars:
    v: 1
  output:
    r: <% $.x %>
  output-on-error:
    e: 1
  tasks:
    t1: {}
""")
    assert spec.type == 'direct'
    assert spec.description == 'does things'
    assert spec.tags == ('a', 'b')
    assert spec.vars == {'v': 1}
    assert spec.output == {'r': '<% $.x %>'}
    assert spec.output_on_error == {'e': 1}


def test_input_params_required_and_with_defaults():
    spec = parse_one("""
wf:
  input:
    - a
    - b: 5
    - c: null
    - d: {k: [1]}
  tasks:
    t1: {}
""")
    assert spec.input_names() == ['a', 'b', 'c', 'd']
    by_name = {p.name: p for p in spec.input}
    assert by_name['a'].required
    assert not by_name['b'].required and by_name['b'].default == 5
    assert not by_name['c'].required and by_name['c'].default is None
    assert by_name['d'].default == {'k': [1]}


def test_input_items_must_be_unique_and_single_key():
    errors = errors_of("""
wf:
  input:
    - a
    - a
    - {b: 1, c: 2}
  tasks:
    t1: {}
""")
    assert any(e.startswith('wf.input: ') and 'non-unique' in e
               for e in errors)
    assert any(e.startswith('wf.input[2]: ') for e in errors)


@pytest.mark.parametrize('tasks', ['tasks: {}', 'description: no tasks'])
def test_workflow_without_tasks(tasks):
    assert errors_of(f'wf:\n  {tasks}\n') == [
        "wf: Workflow doesn't have any tasks"]


def test_unknown_workflow_key_is_rejected_with_path():
    errors = errors_of('wf:\n  bogus: 1\n  tasks:\n    t1: {}\n')
    assert len(errors) == 1
    assert errors[0].startswith('wf: ') and "'bogus'" in errors[0]


def test_workflow_must_be_a_mapping():
    assert errors_of('wf: 5\n') == ["wf: 5 is not of type 'object'"]


def test_unknown_workflow_type_is_rejected():
    errors = errors_of('wf:\n  type: sideways\n  tasks:\n    t1: {}\n')
    assert any(e.startswith('wf.type: ') for e in errors)


@pytest.mark.parametrize('name', [
    '12345678-1234-5678-1234-567812345678',
    'A5C1F1E6-9B2B-4C8E-8F33-6D2D3C0B4A11',
])
def test_uuid_shaped_workflow_name_is_rejected(name):
    assert errors_of(f'{name}:\n  tasks:\n    t1: {{}}\n') == [
        f'{name}: Workflow name cannot be in the format of UUID.']


def test_workflow_name_with_spaces_is_rejected():
    assert errors_of("'my wf':\n  tasks:\n    t1: {}\n") == [
        "my wf: Name 'my wf' must not contain spaces"]


def test_all_errors_are_reported_at_once_with_paths():
    errors = errors_of("""
wf:
  tasks:
    a:
      action: std.noop
      workflow: other
      bogus: 1
      on-success: [missing]
    b-c:
      publish:
        x: <% $.y + %>
""")
    assert errors[0].startswith('wf.tasks.a: Additional properties')
    assert "'bogus' was unexpected" in errors[0]
    assert ("wf.tasks.a: 'action' and 'workflow' can not be used together"
            in errors)
    assert ("wf.tasks.b-c: task name 'b-c' may contain only letters, digits "
            'and underscores' in errors)
    assert any(e.startswith('wf.tasks.b-c.publish.x: Can not parse YAQL')
               for e in errors)
    assert "wf.tasks.a: Task 'missing' not found." in errors
    assert len(errors) == 5


def test_errors_from_several_workflows_are_collected():
    errors = errors_of("""
one:
  tasks:
    t1:
      bogus: 1
two:
  tasks: {}
""")
    assert any(e.startswith('one.tasks.t1: ') for e in errors)
    assert "two: Workflow doesn't have any tasks" in errors


# -- tasks -------------------------------------------------------------------

def test_task_action_inline_params_merge_with_input_and_input_wins():
    spec = parse_one("""
wf:
  tasks:
    t1:
      action: std.echo output="x" n=1
      input:
        n: 2
""")
    t1 = spec.task('t1')
    assert t1.action == 'std.echo' and t1.workflow is None
    assert t1.type == 'ACTION'
    assert t1.input == {'output': 'x', 'n': 2}


def test_task_without_action_or_workflow_runs_std_noop():
    t1 = parse_one('wf:\n  tasks:\n    t1: {}\n').task('t1')
    assert t1.action == 'std.noop'
    assert t1.input == {}


def test_workflow_task_with_inline_params():
    t1 = parse_one("""
wf:
  tasks:
    t1:
      workflow: sub p=<% $.a %>
""").task('t1')
    assert (t1.workflow, t1.action, t1.type) == ('sub', None, 'WORKFLOW')
    assert t1.input == {'p': '<% $.a %>'}


def test_input_may_be_one_expression():
    t1 = parse_one("""
wf:
  tasks:
    t1:
      action: std.echo
      input: <% $.params %>
""").task('t1')
    assert t1.input == '<% $.params %>'


def test_bad_inline_syntax_in_action_is_reported_with_path():
    errors = errors_of("""
wf:
  tasks:
    t1:
      action: std.echo junk
""")
    assert errors == ["wf.tasks.t1.action: Unexpected text 'junk' in "
                      "'std.echo junk'"]


def test_task_must_be_a_mapping():
    assert errors_of('wf:\n  tasks:\n    t1: 5\n') == [
        "wf.tasks.t1: 5 is not of type 'object'"]


def test_task_policies_and_wrong_policy_types():
    t1 = parse_one("""
wf:
  tasks:
    t1:
      retry: count=3 delay=1
      timeout: <% $.t %>
      pause-before: true
      with-items: x in <% $.xs %>
      keep-result: false
""").task('t1')
    assert t1.policies == {'retry': 'count=3 delay=1',
                           'timeout': '<% $.t %>', 'pause-before': True,
                           'with-items': 'x in <% $.xs %>',
                           'keep-result': False}
    errors = errors_of('wf:\n  tasks:\n    t1:\n      timeout: -1\n')
    assert len(errors) == 1 and errors[0].startswith('wf.tasks.t1.timeout: ')


@pytest.mark.parametrize('name', ['t-1', 'my task', 'a.b'])
def test_bad_task_names(name):
    errors = errors_of(f"wf:\n  tasks:\n    '{name}': {{}}\n")
    assert f"task name '{name}' may contain only" in errors[0]


def test_engine_command_names_are_allowed_as_task_names():
    spec = parse_one('wf:\n  tasks:\n    fail: {}\n    noop: {}\n')
    assert set(spec.tasks) == {'fail', 'noop'}


def test_task_name_length_limits():
    errors = errors_of('wf:\n  tasks:\n    ' + 'a' * 256 + ': {}\n')
    assert errors[0].endswith('task name is longer than 255 characters')
    parse_one('wf:\n  tasks:\n    ' + 'a' * 255 + ': {}\n')
    long = 'j' * 209
    errors = errors_of(f'wf:\n  tasks:\n    s:\n      on-success: {long}\n'
                       f'    {long}:\n      join: all\n')
    assert errors == [f'wf.tasks.{long}: task name is longer than 208 '
                      'characters']


def test_mixing_yaql_and_jinja_in_one_value_is_an_error():
    errors = errors_of("""
wf:
  tasks:
    t1:
      publish:
        x: <% $.a %> and {{ _.b }}
""")
    assert len(errors) == 1
    assert errors[0].startswith('wf.tasks.t1.publish.x: ')
    assert 'Mixing expression types in a single line is not allowed.' in \
        errors[0]


def test_expression_errors_in_workflow_sections_carry_paths():
    errors = errors_of("""
wf:
  output:
    a: <% $.x + %>
  vars:
    b: '{{ 1 + }}'
  tasks:
    t1:
      action: std.echo output=<% $. %>
      input:
        deep:
          - ok
          - <% ) %>
""")
    assert [e.split(': ')[0] for e in errors] == [
        'wf.output.a', 'wf.vars.b', 'wf.tasks.t1.action',
        'wf.tasks.t1.input.deep[1]']


def test_guard_expression_errors_carry_paths():
    errors = errors_of("""
wf:
  tasks:
    t1:
      on-success:
        - t2: <% $.x + %>
    t2: {}
""")
    assert len(errors) == 1
    assert errors[0].startswith('wf.tasks.t1.on-success[0]: Can not parse')


def test_expression_errors_in_transition_params_are_reported():
    errors = errors_of("""
wf:
  tasks:
    t1:
      on-success:
        - fail msg=<% $.x + %>
""")
    assert errors[0].startswith('wf.tasks.t1.on-success[0]: Can not parse')


# -- transitions -------------------------------------------------------------

def test_on_clause_forms():
    spec = parse_one("""
wf:
  tasks:
    t1:
      on-success: t2
      on-error:
        - t3
        - t4: <% $.x > 1 %>
        - fail(msg="boom"): '{{ _.x == 0 }}'
        - succeed msg='ok'
      on-complete:
        publish:
          branch: {a: 1}
          global: {g: 2}
        next: t5
    t2: {}
    t3: {}
    t4: {}
    t5: {}
""")
    t1 = spec.task('t1')
    assert [t.name for t in t1.on_success.next] == ['t2']
    on_error = t1.on_error.next
    assert [(t.name, t.params, t.condition) for t in on_error] == [
        ('t3', {}, None),
        ('t4', {}, '<% $.x > 1 %>'),
        ('fail', {'msg': 'boom'}, '{{ _.x == 0 }}'),
        ('succeed', {'msg': 'ok'}, None),
    ]
    assert [t.is_engine_command for t in on_error] == [
        False, False, True, True]
    assert t1.on_complete.publish == {'a': 1}
    assert t1.on_complete.publish_global == {'g': 2}
    assert [t.name for t in t1.on_complete.next] == ['t5']
    assert t1.next_task_names() == {'t2', 't3', 't4', 't5'}


@pytest.mark.parametrize('task_body, path', [
    ('on-success: {next: t2, other: 1}', 'wf.tasks.t1.on-success'),
    ('on-success: 5', 'wf.tasks.t1.on-success'),
    ('on-success: null', 'wf.tasks.t1.on-success'),
    ('on-success: [{t2: 5}]', 'wf.tasks.t1.on-success[0]'),
    ('on-success: {publish: {branch: 5}}', 'wf.tasks.t1.on-success'),
    ('action: 5', 'wf.tasks.t1.action'),
    ('join: true', 'wf.tasks.t1.join'),
    ('on-success: [{}]', 'wf.tasks.t1.on-success'),
    ('on-success: [{t2: x, t3: y}]', 'wf.tasks.t1.on-success'),
    ('on-success: {next: {t2: x, t3: y}}', 'wf.tasks.t1.on-success'),
    ('on-success: {publish: 5}', 'wf.tasks.t1.on-success'),
    ('on-success: {publish: [1], next: t2}', 'wf.tasks.t1.on-success'),
    ('requires: 5', 'wf.tasks.t1.requires'),
])
def test_malformed_task_is_reported_never_crashes(task_body, path):
    errors = errors_of(f"""
wf:
  tasks:
    t1:
      {task_body}
    t2: {{}}
    t3: {{}}
""")
    assert any(e.startswith(path) for e in errors), errors


@pytest.mark.parametrize('wf_body, path', [
    ('description: 5', 'wf.description'),
    ('vars: [1]', 'wf.vars'),
    ('task-defaults: [1]', 'wf.task-defaults'),
    ('tags: 5', 'wf.tags'),
    ('task-defaults: {requires: 5}', 'wf.task-defaults.requires'),
])
def test_malformed_workflow_is_reported_never_crashes(wf_body, path):
    errors = errors_of(f'wf:\n  {wf_body}\n  tasks:\n    t1: {{}}\n')
    assert any(e.startswith(path) for e in errors), errors


def test_transition_to_unknown_task_is_reported():
    errors = errors_of("""
wf:
  tasks:
    t1:
      on-success: [t2, nowhere]
      on-error: [fail, pause, noop, succeed]
    t2: {}
""")
    assert errors == ["wf.tasks.t1: Task 'nowhere' not found."]


def test_dynamic_transition_target_is_not_checked():
    spec = parse_one("""
wf:
  tasks:
    t1:
      on-success: <% $.next %>
""")
    assert spec.task('t1').on_success.next[0].name == '<% $.next %>'


def test_start_tasks_and_inbound_map():
    spec = parse_one("""
wf:
  tasks:
    a:
      on-success: [c]
      on-error: [c]
    b:
      on-complete: c
    c:
      join: all
      on-success: d
    d: {}
    e:
      on-success: fail
""")
    assert spec.start_tasks == ('a', 'b', 'e')
    assert spec.inbound == {'a': (), 'b': (), 'c': ('a', 'b'), 'd': ('c',),
                            'e': ()}


def test_cycle_without_start_task_is_rejected():
    assert errors_of("""
wf:
  tasks:
    a:
      on-success: b
    b:
      on-success: a
""") == ['wf: Failed to find start tasks in direct workflow']


def test_cycles_with_a_start_task_are_allowed():
    spec = parse_one("""
wf:
  tasks:
    start:
      on-success: loop
    loop:
      on-success:
        - loop: <% $.more %>
""")
    assert spec.start_tasks == ('start',)
    assert spec.inbound['loop'] == ('start', 'loop')


# -- join --------------------------------------------------------------------

def test_join_all_without_inbound_tasks_is_invalid():
    assert errors_of('wf:\n  tasks:\n    a: {}\n    j:\n      join: all\n'
                     ) == ['wf.tasks.j.join: a join task needs at least one '
                           'inbound task']


def test_join_number_larger_than_inbound_count_is_invalid():
    errors = errors_of("""
wf:
  tasks:
    a:
      on-success: j
    b:
      on-success: j
    j:
      join: 3
""")
    assert errors == ['wf.tasks.j.join: join: 3 but only 2 inbound tasks']


def test_valid_joins():
    spec = parse_one("""
wf:
  tasks:
    a:
      on-success: [j1, j2, j3]
    b:
      on-success: [j1, j2, j3]
    j1:
      join: all
    j2:
      join: 2
    j3:
      join: one
""")
    assert [spec.task(n).join for n in ('j1', 'j2', 'j3')] == ['all', 2,
                                                                'one']


@pytest.mark.parametrize('join', ['some', '-1', 'true'])
def test_join_schema(join):
    errors = errors_of(f"""
wf:
  tasks:
    a:
      on-success: j
    j:
      join: {join}
""")
    assert errors[0].startswith('wf.tasks.j.join: ')


def test_join_one_without_inbound_tasks_is_invalid():
    errors = errors_of('wf:\n  tasks:\n    a: {}\n    j:\n      join: one\n')
    assert errors[0].startswith('wf.tasks.j.join: ')


# -- task-defaults -----------------------------------------------------------

TASK_DEFAULTS = """
wf:
  task-defaults:
    on-error:
      - handler
    on-complete: [audit]
    retry: count=3
    timeout: 10
  tasks:
    t1:
      timeout: 20
      on-error: [own]
    t2: {}
    own: {}
    handler:
      on-complete: []
    audit: {}
"""


def test_task_defaults_clause_applies_only_where_task_has_none():
    spec = parse_one(TASK_DEFAULTS)
    assert [t.name for t in spec.task('t1').on_error.next] == ['own']
    assert [t.name for t in spec.task('t2').on_error.next] == ['handler']
    assert [t.name for t in spec.task('t2').on_complete.next] == ['audit']


def test_task_defaults_never_make_a_task_transition_to_itself():
    spec = parse_one(TASK_DEFAULTS)
    assert spec.task('handler').on_error.next == ()
    assert spec.task('audit').on_complete.next == ()
    assert spec.start_tasks == ('t1', 't2')


def test_task_defaults_policies_are_overridden_by_the_task():
    spec = parse_one(TASK_DEFAULTS)
    assert spec.task('t1').policies == {'retry': 'count=3', 'timeout': 20}
    assert spec.task('t2').policies == {'retry': 'count=3', 'timeout': 10}


def test_task_defaults_reject_unknown_keys():
    errors = errors_of("""
wf:
  task-defaults:
    action: std.echo
  tasks:
    t1: {}
""")
    assert len(errors) == 1 and errors[0].startswith('wf.task-defaults: ')


def test_task_defaults_targets_are_checked_per_task():
    errors = errors_of("""
wf:
  task-defaults:
    on-success: [ghost]
  tasks:
    t1: {}
""")
    assert errors == ["wf.tasks.t1: Task 'ghost' not found."]


def test_task_defaults_expression_errors_are_reported():
    errors = errors_of("""
wf:
  task-defaults:
    on-error:
      - handler: <% $.x + %>
  tasks:
    t1: {}
    handler: {}
""")
    assert any('task-defaults.on-error' in e and 'Can not parse' in e
               for e in errors)


# -- reverse workflows -------------------------------------------------------

def test_reverse_workflow_requires_with_defaults():
    spec = parse_one("""
wf:
  type: reverse
  task-defaults:
    requires: [base]
  tasks:
    base: {}
    a:
      requires: b
    b: {}
""")
    assert spec.type == 'reverse'
    assert spec.task('a').requires == ('b', 'base')
    assert spec.task('base').requires == ()
    assert spec.start_tasks == ()


def test_reverse_workflow_unknown_requirement():
    assert errors_of("""
wf:
  type: reverse
  tasks:
    a:
      requires: [zz]
""") == ["wf.tasks.a.requires: Task 'zz' not found."]

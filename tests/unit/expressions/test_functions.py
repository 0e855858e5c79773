"""Custom expression functions in YAQL and Jinja (spec §2.2)."""
import json
import uuid

import pytest

from mistral import exceptions as exc
from mistral import expressions
from mistral.expressions import functions


class FakeLookups:
    """A FunctionContext that records what it was asked."""

    def __init__(self):
        self.calls = []
        self.task_records = {
            None: {'name': 'current', 'state': 'RUNNING'},
            't1': {'name': 't1', 'state': 'SUCCESS', 'result': 'r1',
                   'published': {'p': 1}},
            't2': {'name': 't2', 'state': 'ERROR', 'result': 'r2'},
        }

    def task(self, name):
        self.calls.append(('task', name))
        return self.task_records.get(name)

    def tasks(self, workflow_execution_id, recursive, state, flat):
        self.calls.append(('tasks', workflow_execution_id, recursive, state,
                           flat))
        return [t for n, t in self.task_records.items()
                if n and (state is None or t['state'] == state)]

    def execution(self):
        self.calls.append(('execution',))
        return {'id': 'ex-1', 'name': 'wf', 'input': {'a': 1}}

    def executions(self, id, root_execution_id, state, from_time, to_time):
        self.calls.append(('executions', id, root_execution_id, state,
                           from_time, to_time))
        return [{'id': 'ex-1', 'state': state}]

    def global_var(self, name):
        self.calls.append(('global', name))
        return {'g': 42}.get(name)


@pytest.fixture
def lookups():
    return FakeLookups()


@pytest.fixture
def data(lookups):
    return {'x': 1, 'names': ['t1', 't2'],
            functions.ENV_KEY: {'host': 'h1', 'port': 80},
            functions.LOOKUPS_KEY: lookups}


def ev(text, data):
    return expressions.evaluate(text, data)


@pytest.mark.parametrize('text', ['<% env() %>', '{{ env() }}'])
def test_env_returns_the_environment(text, data):
    assert ev(text, data) == {'host': 'h1', 'port': 80}


@pytest.mark.parametrize('text', ['<% env().host %>', '{{ env().host }}'])
def test_env_attribute(text, data):
    assert ev(text, data) == 'h1'


def test_env_without_environment_is_empty():
    assert ev('<% env() %>', {}) == {}
    assert ev('{{ env() }}', {}) == {}


@pytest.mark.parametrize('text', ["<% task(t1).result %>",
                                  "<% task('t1').result %>",
                                  "{{ task('t1').result }}"])
def test_task_by_name(text, data, lookups):
    assert ev(text, data) == 'r1'
    assert lookups.calls == [('task', 't1')]


@pytest.mark.parametrize('text', ['<% task().name %>', '{{ task().name }}'])
def test_task_without_name_is_the_current_task(text, data, lookups):
    assert ev(text, data) == 'current'
    assert lookups.calls == [('task', None)]


def test_unknown_task_is_null(data):
    assert ev("<% task('nope') %>", data) is None


@pytest.mark.parametrize('text', ["<% tasks(state => 'ERROR') %>",
                                  "{{ tasks(state='ERROR') }}"])
def test_tasks_with_named_filter(text, data, lookups):
    assert ev(text, data) == [lookups.task_records['t2']]
    assert lookups.calls == [('tasks', None, False, 'ERROR', False)]


def test_tasks_positional_arguments(data, lookups):
    ev("<% tasks('wf-9', true, null, true) %>", data)
    assert lookups.calls == [('tasks', 'wf-9', True, None, True)]


@pytest.mark.parametrize('text', ['<% execution().id %>',
                                  '{{ execution().id }}'])
def test_execution(text, data):
    assert ev(text, data) == 'ex-1'


def test_executions_filters(data, lookups):
    assert ev("<% executions(state => 'ERROR') %>", data) == [
        {'id': 'ex-1', 'state': 'ERROR'}]
    assert lookups.calls == [('executions', None, None, 'ERROR', None, None)]


@pytest.mark.parametrize('text', ["<% global('g') %>", "<% global(g) %>",
                                  "{{ global('g') }}"])
def test_global_reads_the_workflow_context(text, data):
    assert ev(text, data) == 42


def test_global_missing_is_null(data):
    assert ev("<% global('nope') %>", data) is None


def test_lookup_functions_without_a_function_context():
    assert ev("<% task('t1') %>", {}) is None
    assert ev('<% tasks() %>', {}) == []
    assert ev('<% execution() %>', {}) is None
    assert ev('<% executions() %>', {}) == []
    assert ev("<% global('g') %>", {}) is None


def test_functions_work_inside_yaql_lambdas(data):
    assert ev('<% $.names.select(env().host) %>', data) == ['h1', 'h1']
    assert ev('<% $.names.select(task($).result) %>', data) == ['r1', 'r2']


def test_uuid_is_a_fresh_uuid4_string(data):
    first = ev('<% uuid() %>', data)
    second = ev('{{ uuid() }}', data)
    assert uuid.UUID(first).version == 4
    assert uuid.UUID(second).version == 4
    assert first != second


def test_json_dump_indents_by_four():
    assert ev('<% json_dump($.v) %>', {'v': {'a': [1]}}) == \
        json.dumps({'a': [1]}, indent=4)
    assert ev('{{ _.v | json_dump }}', {'v': [1]}) == '[\n    1\n]'
    assert ev('{{ json_dump(_.v) }}', {'v': None}) == 'null'


def test_json_parse():
    assert ev("""<% json_parse('{"a": [1, null]}') %>""", {}) == \
        {'a': [1, None]}
    assert ev('{{ _.s | json_parse }}', {'s': '[true]'}) == [True]


def test_json_parse_error_is_an_evaluation_error():
    with pytest.raises(exc.ExpressionEvaluationError, match='json_parse'):
        ev("<% json_parse('{') %>", {})


def test_yaml_dump_is_block_style():
    assert ev('<% yaml_dump($.v) %>', {'v': {'a': [1, 2]}}) == \
        'a:\n- 1\n- 2\n'
    assert ev('{{ _.v | yaml_dump }}', {'v': ['x']}) == '- x\n'


def test_yaml_parse():
    assert ev("<% yaml_parse('a: [1, 2]') %>", {}) == {'a': [1, 2]}
    assert ev('{{ yaml_parse(_.s) }}', {'s': 'k: v'}) == {'k': 'v'}


def test_yaml_parse_rejects_duplicate_keys_and_python_tags():
    for text in ['a: 1\na: 2', 'a: !!python/name:os.system']:
        with pytest.raises(exc.MistralError):
            ev('<% yaml_parse($.s) %>', {'s': text})


def test_yaml_parse_error_is_an_evaluation_error():
    with pytest.raises(exc.ExpressionEvaluationError):
        ev("<% yaml_parse('a: [') %>", {})


def test_function_errors_raised_as_mistral_errors_propagate(data, lookups):
    def boom(name):
        raise exc.NotFoundError('TaskExecution', name=name)
    lookups.task = boom
    with pytest.raises(exc.NotFoundError):
        ev("<% task('t1') %>", data)
    with pytest.raises(exc.NotFoundError):
        ev("{{ task('t1') }}", data)

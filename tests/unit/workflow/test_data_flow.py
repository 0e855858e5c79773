"""Data flow: input, contexts, publish (spec §1.3, §2.3-2.5)."""
import pytest

from mistral import exceptions as exc
from mistral.expressions import functions
from mistral.lang import parser
from mistral.workflow import data_flow

SPEC, = parser.parse_workflows("""
wf:
  input:
    - a
    - b: 5
    - c: {nested: [1]}
  tasks:
    t1: {}
""")


def test_validate_input_fills_defaults():
    assert data_flow.validate_input(SPEC.input, {'a': 1}, 'Workflow',
                                    'wf') == {'a': 1, 'b': 5,
                                              'c': {'nested': [1]}}


def test_validate_input_given_values_win_even_when_null():
    assert data_flow.validate_input(SPEC.input, {'a': None, 'b': None},
                                    'Workflow', 'wf') == {
        'a': None, 'b': None, 'c': {'nested': [1]}}


def test_validate_input_defaults_are_copies():
    first = data_flow.validate_input(SPEC.input, {'a': 1}, 'Workflow', 'wf')
    first['c']['nested'].append(2)
    second = data_flow.validate_input(SPEC.input, {'a': 1}, 'Workflow', 'wf')
    assert second['c'] == {'nested': [1]}
    assert SPEC.input[2].default == {'nested': [1]}


def test_validate_input_missing():
    with pytest.raises(exc.WorkflowInputError) as e:
        data_flow.validate_input(SPEC.input, {'b': 1}, 'Workflow', 'wf')
    assert str(e.value) == "Invalid input [name=wf, class=Workflow, " \
        "missing=['a']]"
    assert isinstance(e.value, exc.InputError)


def test_validate_input_unexpected_and_missing_together():
    with pytest.raises(exc.WorkflowInputError) as e:
        data_flow.validate_input(SPEC.input, {'zz': 1, 'yy': 2}, 'Workflow',
                                 'wf')
    assert str(e.value) == ("Invalid input [name=wf, class=Workflow, "
                            "missing=['a'], unexpected=['zz', 'yy']]")


def test_validate_input_with_no_declared_params():
    assert data_flow.validate_input((), {}, 'Workflow', 'wf') == {}
    with pytest.raises(exc.WorkflowInputError, match="unexpected=\\['x'\\]"):
        data_flow.validate_input((), {'x': 1}, 'Workflow', 'wf')


def test_merge_dicts_shallow_replaces_nested_dicts():
    left = {'a': {'x': 1, 'y': 2}, 'b': 1}
    right = {'a': {'x': 10}, 'c': 3}
    assert data_flow.merge_dicts(left, right) == {
        'a': {'x': 10}, 'b': 1, 'c': 3}


def test_merge_dicts_deep_merges_nested_dicts_and_right_wins():
    left = {'a': {'x': 1, 'y': {'p': 1, 'q': 2}}, 'l': [1], 'd': {'k': 1}}
    right = {'a': {'x': 10, 'y': {'q': 20}}, 'l': [2], 'd': 'scalar'}
    assert data_flow.merge_dicts(left, right, deep=True) == {
        'a': {'x': 10, 'y': {'p': 1, 'q': 20}}, 'l': [2], 'd': 'scalar'}


def test_merge_dicts_does_not_mutate_its_arguments():
    left = {'a': {'x': 1}}
    right = {'a': {'y': 2}}
    data_flow.merge_dicts(left, right, deep=True)
    data_flow.merge_dicts(left, right)
    assert left == {'a': {'x': 1}} and right == {'a': {'y': 2}}


def test_strip_internal_removes_engine_keys_only():
    ctx = {'x': 1, '__execution': {'id': 'e'}, '__task_execution': {},
           '__env': {}, '__lookups': object(), 'openstack': {'token': 't'},
           '__user': 2}
    assert data_flow.strip_internal(ctx) == {'x': 1, '__user': 2}


def test_evaluation_data_earlier_layers_win():
    data = data_flow.evaluation_data({'a': 'task'}, None,
                                     {'a': 'ctx', 'b': 'ctx'},
                                     {'a': 'input', 'b': 'input', 'c': 'in'},
                                     env={'e': 1}, lookups='L')
    assert data == {'a': 'task', 'b': 'ctx', 'c': 'in',
                    functions.ENV_KEY: {'e': 1},
                    functions.LOOKUPS_KEY: 'L'}


def test_evaluation_data_always_has_an_env_and_lookups_only_if_given():
    data = data_flow.evaluation_data({'a': 1})
    assert data == {'a': 1, functions.ENV_KEY: {}}


def test_evaluate_publish_against_data():
    published = data_flow.evaluate_publish(
        {'r': '<% $.result.v %>', 'e': '{{ env().k }}', 'lit': [1]},
        data_flow.evaluation_data({'result': {'v': 7}}, env={'k': 'K'}))
    assert published == {'r': 7, 'e': 'K', 'lit': [1]}
    assert data_flow.evaluate_publish(None, {}) == {}
    assert data_flow.evaluate_publish({}, {}) == {}


def test_outbound_context_is_in_context_plus_published():
    assert data_flow.outbound_context({'a': {'x': 1}, 'b': 1},
                                      {'a': {'y': 2}}) == {
        'a': {'y': 2}, 'b': 1}
    assert data_flow.outbound_context({'a': {'x': 1}}, {'a': {'y': 2}},
                                      deep_merge=True) == {
        'a': {'x': 1, 'y': 2}}

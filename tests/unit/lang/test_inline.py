"""The one-line `name k=v ...` syntax (spec §1.2)."""
import pytest

from mistral import exceptions as exc
from mistral.lang import inline


def test_name_only():
    assert inline.parse('std.noop') == ('std.noop', {})


def test_surrounding_whitespace_is_ignored():
    assert inline.parse('  std.echo output=1  ') == ('std.echo', {'output': 1})


def test_double_and_single_quoted_strings_lose_their_quotes():
    name, params = inline.parse(
        """std.http url="http://x/y?a=1" method='GET'""")
    assert name == 'std.http'
    assert params == {'url': 'http://x/y?a=1', 'method': 'GET'}


def test_quoted_strings_keep_spaces_and_stay_strings():
    _, params = inline.parse('std.echo a="hello world" b="5" c=\'true\'')
    assert params == {'a': 'hello world', 'b': '5', 'c': 'true'}


def test_unquoted_scalars_are_json_decoded():
    _, params = inline.parse(
        'x n=5 f=-1.5 yes=true no=false nothing=null')
    assert params == {'n': 5, 'f': -1.5, 'yes': True, 'no': False,
                      'nothing': None}
    assert isinstance(params['n'], int)


def test_bare_word_is_a_string():
    assert inline.parse('x mode=fast') == ('x', {'mode': 'fast'})


def test_json_list_and_dict_values():
    _, params = inline.parse('x items=[1, "a", null] opts={"k": 1}')
    assert params == {'items': [1, 'a', None], 'opts': {'k': 1}}


def test_two_adjacent_lists_are_two_params():
    assert inline.parse('x a=[1] b=[2]') == ('x', {'a': [1], 'b': [2]})


def test_nested_json_list_value():
    assert inline.parse('x m=[[1, 2], [3]]') == ('x', {'m': [[1, 2], [3]]})


def test_yaql_and_jinja_expressions_are_kept_verbatim():
    _, params = inline.parse(
        'wf p1=<% $.a + 1 %> p2={{ _.b }} p3={%- raw -%}')
    assert params == {'p1': '<% $.a + 1 %>', 'p2': '{{ _.b }}',
                      'p3': '{%- raw -%}'}


def test_quoted_jinja_block_is_one_string_value():
    _, params = inline.parse('wf p="{% if x %}y{% endif %}"')
    assert params == {'p': '{% if x %}y{% endif %}'}


def test_expression_with_spaces_inside_is_one_value():
    _, params = inline.parse("x v=<% $.list.where($ > 1).len() %> w=2")
    assert params == {'v': '<% $.list.where($ > 1).len() %>', 'w': 2}


def test_command_name_may_be_an_expression():
    assert inline.parse('<% $.action %> a=1') == ('<% $.action %>', {'a': 1})


def test_function_call_form():
    assert inline.parse('fail(msg="boom", code=3)') == (
        'fail', {'msg': 'boom', 'code': 3})


def test_function_call_form_without_params():
    assert inline.parse('noop()') == ('noop', {})


def test_spaces_around_equals_and_commas_between_params():
    assert inline.parse('x a = 1, b=2') == ('x', {'a': 1, 'b': 2})


def test_dashes_and_underscores_in_param_names():
    _, params = inline.parse('retry break-on=<% $.x %> max_count=3')
    assert params == {'break-on': '<% $.x %>', 'max_count': 3}


def test_later_duplicate_param_wins():
    assert inline.parse('x a=1 a=2') == ('x', {'a': 2})


@pytest.mark.parametrize('text', [
    'std.echo junk',
    'std.echo a=1 junk',
    'std.echo a=1 "dangling"',
    'fail(msg="x") trailing',
])
def test_text_that_is_not_a_parameter_is_rejected(text):
    with pytest.raises(ValueError, match='Unexpected text'):
        inline.parse(text)


@pytest.mark.parametrize('text', ['', '   ', '"quoted" a=1', '=5'])
def test_missing_command_name_is_rejected(text):
    with pytest.raises(ValueError, match='command name'):
        inline.parse(text)


# -- with-items clauses (spec §1.4) ----------------------------------------

def test_with_items_single_clause():
    assert inline.parse_with_items('x in <% $.xs %>') == [('x', '<% $.xs %>')]


def test_with_items_list_of_clauses_and_json_lists():
    assert inline.parse_with_items(
        ['x in [1, 2]', 'y-2 in {{ _.ys }}', 'z in <% [3, 4] %>']) == [
        ('x', [1, 2]), ('y-2', '{{ _.ys }}'), ('z', '<% [3, 4] %>')]


def test_with_items_text_after_the_expression_is_ignored_as_upstream():
    assert inline.parse_with_items('x in <% $.a %> and more') == [
        ('x', '<% $.a %>')]


@pytest.mark.parametrize('clause', [
    'x, y in <% zip($.a, $.b) %>',   # upstream has no comma form
    'x in $.xs',                      # not an expression or a list
    'x from [1, 2]',
    'in [1]',
    'x in [1, 2',
    'x in',
])
def test_with_items_malformed_clause_is_rejected(clause):
    with pytest.raises(exc.InputError,
                       match="Wrong format of 'with-items' property"):
        inline.parse_with_items(clause)


def test_with_items_bad_json_list_is_rejected():
    with pytest.raises(exc.InputError,
                       match="Invalid array in 'with-items' clause"):
        inline.parse_with_items('x in [a, b]')


def test_with_items_clause_must_be_a_string():
    with pytest.raises(exc.InputError, match='should be strings'):
        inline.parse_with_items(['x in [1]', {'y': 2}])

"""YAQL `<% %>` and Jinja `{{ }}` evaluation (spec §2.1)."""
import pytest

from mistral import exceptions as exc
from mistral import expressions

DATA = {'x': 2, 'name': 'vm', 'vals': [1, 2, 3], 'obj': {'k': 'v'},
        'flag': True, 'none': None}


# -- typed whole-string results vs interpolation -----------------------------

@pytest.mark.parametrize('text, expected', [
    ('<% $.x %>', 2),
    ('<% $.x + 1 %>', 3),
    ('<% $.vals %>', [1, 2, 3]),
    ('<% $.obj %>', {'k': 'v'}),
    ('<% $.flag %>', True),
    ('<% $.none %>', None),
    ('<% $.vals.where($ > 1) %>', [2, 3]),
    ('<% $.vals.select($ * 10) %>', [10, 20, 30]),
    ('<% dict(a => $.x) %>', {'a': 2}),
    ('<% $.vals.len() %>', 3),
    ('{{ _.x }}', 2),
    ('{{ _.x + 1 }}', 3),
    ('{{ _.vals }}', [1, 2, 3]),
    ('{{ _.obj }}', {'k': 'v'}),
    ('{{ _.none }}', None),
    ('{{ _.vals | length }}', 3),
])
def test_whole_string_expression_gives_typed_value(text, expected):
    result = expressions.evaluate(text, DATA)
    assert result == expected
    assert type(result) is type(expected)


def test_yaql_result_containers_are_plain_python():
    result = expressions.evaluate('<% {a => [1, {b => 2}]} %>', {})
    assert type(result) is dict and type(result['a']) is list
    assert type(result['a'][1]) is dict


@pytest.mark.parametrize('text, expected', [
    ('vm-<% $.name %>-<% $.x %>', 'vm-vm-2'),
    ('<% $.x %><% $.x %>', '22'),
    ('n=<% $.none %> f=<% $.flag %>', 'n=None f=True'),
    ('<% $.x %> items', '2 items'),
    ('name: {{ _.name }}', 'name: vm'),
    ('{{ _.x }}{{ _.x }}', '22'),
    ('{% if _.flag %}yes{% else %}no{% endif %}', 'yes'),
    ('{% for i in _.vals %}{{ i }},{% endfor %}', '1,2,3,'),
])
def test_embedded_expressions_interpolate_into_text(text, expected):
    assert expressions.evaluate(text, DATA) == expected


@pytest.mark.parametrize('value', ['plain text', '', 5, None, True, 1.5,
                                   'a % b', '< % not yaql % >',
                                   '{ not jinja }'])
def test_values_without_expressions_pass_through(value):
    assert expressions.evaluate(value, DATA) == value


def test_has_expressions_looks_into_containers():
    assert expressions.has_expressions('<% $.a %>')
    assert expressions.has_expressions('{{ _.a }}')
    assert expressions.has_expressions('{% if x %}{% endif %}')
    assert expressions.has_expressions({'k': ['x', {'y': '<% 1 %>'}]})
    assert not expressions.has_expressions({'<% $.a %>': 'plain'})
    assert not expressions.has_expressions(['a', 1, None])
    assert not expressions.has_expressions(5)


def test_evaluate_recursively_evaluates_leaves_and_leaves_keys_alone():
    value = {'<% $.name %>': '<% $.x %>',
             'list': ['{{ _.name }}', 3, None, {'deep': '<% $.flag %>'}],
             'n': 1}
    assert expressions.evaluate_recursively(value, DATA) == {
        '<% $.name %>': 2,
        'list': ['vm', 3, None, {'deep': True}],
        'n': 1,
    }


def test_evaluate_recursively_does_not_mutate_its_input():
    value = {'a': ['<% $.x %>']}
    expressions.evaluate_recursively(value, DATA)
    assert value == {'a': ['<% $.x %>']}


# -- errors ------------------------------------------------------------------

@pytest.mark.parametrize('text', ['<% $.a %> and {{ _.b }}',
                                  '{% if x %}<% $.a %>{% endif %}'])
def test_mixing_yaql_and_jinja_is_an_error(text):
    with pytest.raises(exc.ExpressionGrammarError,
                       match='Mixing expression types in a single line is '
                             'not allowed.'):
        expressions.evaluate(text, DATA)
    with pytest.raises(exc.ExpressionGrammarError):
        expressions.validate(text)


def test_mixing_error_message_names_no_bogus_language():
    with pytest.raises(exc.ExpressionGrammarError) as e:
        expressions.validate('<% 1 %>{{ 2 }}')
    assert 'expression expression' not in str(e.value)


def test_yaql_evaluation_error_uses_upstream_message_format():
    with pytest.raises(exc.ExpressionEvaluationError) as e:
        expressions.evaluate('<%  $.x.nosuchmethod()  %>',
                             {'x': 1, 'secret': 's3cr3t'})
    msg = str(e.value)
    assert msg.startswith('Can not evaluate YAQL expression '
                          '[expression=$.x.nosuchmethod(), error=')
    assert msg.endswith(']')
    assert 'nosuchmethod' in msg.split('error=', 1)[1]
    assert 's3cr3t' not in msg, 'the data context must not leak'
    assert not isinstance(e.value, exc.InputError)


def test_yaql_error_inside_interpolation():
    with pytest.raises(exc.ExpressionEvaluationError,
                       match=r'\[expression=\$\.x\.nope\(\), error='):
        expressions.evaluate('value: <% $.x.nope() %>', {'x': 1})


def test_jinja_evaluation_error_uses_upstream_message_format():
    with pytest.raises(exc.ExpressionEvaluationError) as e:
        expressions.evaluate('{{ 1 / 0 }}', {'secret': 's3cr3t'})
    msg = str(e.value)
    assert msg.startswith('Can not evaluate Jinja expression '
                          '[expression=1 / 0, error=')
    assert 'division' in msg and 's3cr3t' not in msg


def test_jinja_undefined_in_template_is_an_evaluation_error():
    with pytest.raises(exc.ExpressionEvaluationError, match='missing'):
        expressions.evaluate('x {{ _.missing }}', {'a': 1})


def test_jinja_undefined_whole_expression_is_an_evaluation_error():
    with pytest.raises(exc.ExpressionEvaluationError, match='missing'):
        expressions.evaluate('{{ _.missing }}', {'a': 1})


@pytest.mark.parametrize('text, language', [
    ('<% $.x + %>', 'YAQL'),
    ('<% ) %>', 'YAQL'),
    ('{{ 1 + }}', 'Jinja'),
    ('{% if %}', 'Jinja'),
    ('a {{ _.x ', None),
])
def test_grammar_errors(text, language):
    if language is None:   # an unclosed {{ is plain text, not an expression
        assert expressions.evaluate(text, DATA) == text
        return
    with pytest.raises(exc.ExpressionGrammarError,
                       match=f'Can not parse {language} expression'):
        expressions.validate(text)
    with pytest.raises(exc.ExpressionGrammarError):
        expressions.evaluate(text, DATA)


def test_validate_accepts_good_expressions():
    for text in ['<% $.a %> and <% $.b.len() %>', '{{ _.a }} {% if 1 %}x'
                 '{% endif %}', 'no expression']:
        expressions.validate(text)


def test_jinja_sandbox_blocks_unsafe_attributes():
    with pytest.raises(exc.ExpressionEvaluationError):
        expressions.evaluate("{{ ''.__class__.__mro__ }}", {})

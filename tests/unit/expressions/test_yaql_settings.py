"""The [yaql] options (spec §2.1): each one changes what an expression
does, evaluated through the same code the engine uses."""
import pytest

from mistral import config
from mistral import exceptions as exc
from mistral import expressions
from mistral.expressions import yaql_language
from mistral.expressions.yaql_language import YaqlSettings


def ev(expression, data=None, **options):
    return yaql_language.evaluate(expression, data or {},
                                  YaqlSettings(**options))


def test_defaults_are_upstreams():
    conf = config.build_config([])
    assert YaqlSettings.from_options(conf.yaql) == YaqlSettings()
    assert YaqlSettings() == YaqlSettings(
        limit_iterators=-1, memory_quota=-1, convert_input_data=True,
        convert_output_data=True, convert_tuples_to_lists=True,
        convert_sets_to_lists=False, iterable_dicts=False,
        keyword_operator='=>', allow_delegates=False)


def test_limit_iterators():
    assert ev('range(10)', limit_iterators=10) == list(range(10))
    with pytest.raises(exc.ExpressionEvaluationError,
                       match='Collection length exceeds 3 elements'):
        ev('range(10)', limit_iterators=3)


def test_memory_quota():
    assert ev('range(10000).toList().len()') == 10000
    with pytest.raises(exc.ExpressionEvaluationError,
                       match='consumed too much memory'):
        ev('range(10000).toList().len()', memory_quota=1000)


def test_convert_tuples_to_lists():
    assert ev('[1, 2]') == [1, 2]
    result = ev('[1, 2]', convert_tuples_to_lists=False)
    assert result == (1, 2) and type(result) is tuple


def test_convert_sets_to_lists():
    assert ev('[1, 2, 2].toSet()') == {1, 2}
    result = ev('[1, 2, 2].toSet()', convert_sets_to_lists=True)
    assert sorted(result) == [1, 2] and type(result) is list


def test_iterable_dicts():
    with pytest.raises(exc.ExpressionEvaluationError,
                       match='No method "select"'):
        ev('$.d.select($)', {'d': {'a': 1}})
    assert ev('$.d.select($)', {'d': {'a': 1}}, iterable_dicts=True) == ['a']


def test_keyword_operator():
    assert ev('dict(a => 1)') == {'a': 1}
    assert ev('dict(a -> 1)', keyword_operator='->') == {'a': 1}
    with pytest.raises(exc.ExpressionGrammarError):
        ev('dict(a => 1)', keyword_operator='')


def test_allow_delegates():
    expression = 'let(f => lambda($ * 2)) -> $f(3)'
    with pytest.raises(exc.ExpressionGrammarError):
        ev(expression)
    assert ev(expression, allow_delegates=True) == 6


def test_convert_input_data():
    data = {'l': [1, 2]}
    # Converted, the data reaches yaql as immutable copies...
    converted = ev('$.l', data, convert_output_data=False)
    assert converted == (1, 2) and type(converted) is tuple
    # ...not converted, yaql works on the caller's own objects.
    raw = ev('$.l', data, convert_output_data=False,
             convert_input_data=False)
    assert raw == [1, 2] and type(raw) is list


def test_convert_output_data():
    assert ev('dict(a => [1, 2])') == {'a': [1, 2]}
    # Without conversion frozen dicts and iterators are still unwrapped so
    # the result can be stored, but yaql's tuples stay tuples.
    result = ev('dict(a => [1, 2])', convert_output_data=False)
    assert result == {'a': (1, 2)} and type(result) is dict
    assert ev('[1, 2].select($ * 2)', convert_output_data=False) == [2, 4]


def test_configure_sets_the_options_of_later_evaluations(tmp_path):
    conf_file = tmp_path / 'mistral.conf'
    conf_file.write_text('[yaql]\nlimit_iterators = 2\n')
    conf = config.build_config(['--config-file', str(conf_file)])
    before = yaql_language.current_settings()
    yaql_language.configure(YaqlSettings.from_options(conf.yaql))
    try:
        with pytest.raises(exc.ExpressionEvaluationError,
                           match='exceeds 2 elements'):
            expressions.evaluate('<% [1, 2, 3] %>', {})
    finally:
        yaql_language.configure(before)
    assert expressions.evaluate('<% [1, 2, 3] %>', {}) == [1, 2, 3]

"""Large values in the evaluation data are converted for yaql once and
remembered; results must be the same as without the memo."""
from __future__ import annotations

from mistral.expressions import yaql_language


def test_large_values_evaluate_like_small_ones() -> None:
    items = [{'n': i, 'tags': ['a', 'b']} for i in range(500)]
    table = {f'k{i}': i for i in range(200)}
    data = {'items': items, 'table': table}
    for _ in range(3):  # the second and third use the remembered values
        assert yaql_language.evaluate('$.items[42].n', data) == 42
        assert yaql_language.evaluate('len($.items)', data) == 500
        assert yaql_language.evaluate('$.table.k199', data) == 199
        assert yaql_language.evaluate(
            '$.items.where($.n < 2).select($.tags)', data) == \
            [['a', 'b'], ['a', 'b']]


def test_a_new_list_with_the_same_content_is_its_own_value() -> None:
    first = {'xs': list(range(100))}
    assert yaql_language.evaluate('$.xs.max()', first) == 99
    second = {'xs': list(range(100, 200))}
    assert yaql_language.evaluate('$.xs.max()', second) == 199

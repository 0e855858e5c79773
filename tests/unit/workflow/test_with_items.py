"""with-items bookkeeping in the pure core (spec §1.4, §1.8)."""
import pytest

from mistral import exceptions as exc
from mistral.workflow import with_items


def test_one_list():
    assert with_items.items('x in <% $.xs %>', {'xs': [1, 2]}) == [
        {'x': 1}, {'x': 2}]


def test_several_lists_iterate_in_lockstep():
    assert with_items.items(['x in [1, 2]', 'y in <% $.ys %>'],
                            {'ys': ['a', 'b']}) == [
        {'x': 1, 'y': 'a'}, {'x': 2, 'y': 'b'}]


def test_lists_of_different_lengths_give_upstreams_message():
    with pytest.raises(exc.InputError) as e:
        with_items.items(['x in [1, 2, 3]', 'y in [1, 2]'], {})
    assert str(e.value) == ("Wrong input format for: {'x': [1, 2, 3], "
                            "'y': [1, 2]}. All arrays must have the same "
                            "length.")


def test_empty_list_gives_no_iterations():
    assert with_items.items('x in <% [] %>', {}) == []


@pytest.mark.parametrize('value', [5, 'abc', {'a': 1}, None])
def test_a_value_that_is_not_a_list_is_an_error(value):
    with pytest.raises(exc.InputError, match='must be a list'):
        with_items.items('x in <% $.v %>', {'v': value})


def test_a_later_clause_for_the_same_variable_wins_as_upstream():
    assert with_items.items(['x in [1]', 'x in [2]'], {}) == [{'x': 2}]


@pytest.mark.parametrize('raw,limit', [(None, 0), ('', 0), (3, 3), ('2', 2)])
def test_concurrency(raw, limit):
    assert with_items.concurrency(raw) == limit


@pytest.mark.parametrize('raw', [-1, 'x'])
def test_bad_concurrency(raw):
    with pytest.raises(exc.InputError):
        with_items.concurrency(raw)

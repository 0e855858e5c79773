"""with-items: which values each iteration of a task sees.

Pure: the caller evaluates nothing itself, it passes the data in.
"""
from __future__ import annotations

from typing import Any

from mistral import exceptions as exc
from mistral import expressions
from mistral.lang import inline


def items(spec_value: str | list[str], data: dict) -> list[dict]:
    """The variables of every iteration, in order.

    Several clauses iterate in lockstep and must have the same length.
    """
    lists: dict[str, list] = {}
    for name, source in inline.parse_with_items(spec_value):
        value: Any = source if isinstance(source, list) else \
            expressions.evaluate(source, data)
        if isinstance(value, (dict, str)) or \
                not hasattr(value, '__iter__'):
            raise exc.InputError(
                f"with-items value of '{name}' must be a list, got "
                f'{type(value).__name__}')
        lists[name] = list(value)
    if len({len(v) for v in lists.values()}) > 1:
        raise exc.InputError(f'Wrong input format for: {lists}. All arrays '
                             'must have the same length.')
    count = len(next(iter(lists.values()))) if lists else 0
    return [{name: values[i] for name, values in lists.items()}
            for i in range(count)]


def concurrency(value: Any) -> int:
    """0 means no limit."""
    if value in (None, ''):
        return 0
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise exc.InputError(f'concurrency must be an integer, got {value!r}')
    if limit < 0:
        raise exc.InputError('concurrency must not be negative')
    return limit

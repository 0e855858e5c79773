"""YAQL (`<% %>`) support."""
from __future__ import annotations

import functools
from typing import Any

import yaql
from yaql.language import exceptions as yaql_exc
from yaql.language import factory
from yaql.language import utils as yaql_utils

from mistral import exceptions as exc
from mistral.expressions import functions

NAME = 'YAQL'
_DATA = '__mistral_data'

_ENGINE_OPTIONS = {
    'yaql.limitIterators': -1,
    'yaql.memoryQuota': -1,
    'yaql.convertTuplesToLists': True,
    'yaql.convertSetsToLists': False,
    'yaql.iterableDicts': False,
    'yaql.convertOutputData': True,
    'yaql.convertInputData': True,
}


def _wrap(impl):
    """Adapt a FUNCTIONS entry to yaql: the data context is `$`."""

    def call(context, *args, **kwargs):
        # `$` is rebound inside select()/where(); the data is kept apart.
        return impl(context[_DATA], *[_plain(a) for a in args],
                    **{k: _plain(v) for k, v in kwargs.items()})

    call.__name__ = impl.__name__
    return call


@functools.lru_cache(maxsize=1)
def _engine():
    return factory.YaqlFactory(keyword_operator='=>').create(
        options=_ENGINE_OPTIONS)


@functools.lru_cache(maxsize=1)
def _root_context():
    ctx = yaql.create_context(delegates=False)
    for name, impl in functions.FUNCTIONS.items():
        ctx.register_function(_wrap(impl), name=name)
    return ctx


@functools.lru_cache(maxsize=4096)
def parse(expression: str):
    try:
        return _engine()(expression)
    except (yaql_exc.YaqlException, KeyError, ValueError, TypeError) as e:
        raise exc.ExpressionGrammarError(NAME, expression, str(e))


def evaluate(expression: str, data: Any) -> Any:
    parsed = parse(expression)
    ctx = _root_context().create_child_context()
    ctx[_DATA] = data
    try:
        result = parsed.evaluate(data=data, context=ctx)
    except exc.MistralError:
        raise
    except Exception as e:
        raise exc.ExpressionEvaluationError(NAME, expression,
                                            f'{type(e).__name__}: {e}')
    return _plain(result)


def _plain(value: Any) -> Any:
    """Turn yaql's frozen containers and iterators into plain JSON types."""
    if isinstance(value, yaql_utils.FrozenDict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if yaql_utils.is_iterator(value):
        return [_plain(v) for v in value]
    return value

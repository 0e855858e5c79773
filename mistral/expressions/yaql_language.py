"""YAQL (`<% %>`) support."""
from __future__ import annotations

import collections
import collections.abc  # noqa: F401  (yaql 3 uses it without importing it)
import dataclasses
import functools
import threading
from typing import Any

import yaql
from yaql.language import exceptions as yaql_exc
from yaql.language import factory
from yaql.language import utils as yaql_utils

from mistral import exceptions as exc
from mistral.expressions import functions

NAME = 'YAQL'
_DATA = '__mistral_data'


@dataclasses.dataclass(frozen=True)
class YaqlSettings:
    """The `[yaql]` options; defaults are upstream's."""
    limit_iterators: int = -1
    memory_quota: int = -1
    convert_input_data: bool = True
    convert_output_data: bool = True
    convert_tuples_to_lists: bool = True
    convert_sets_to_lists: bool = False
    iterable_dicts: bool = False
    keyword_operator: str = '=>'
    allow_delegates: bool = False

    @classmethod
    def from_options(cls, group: Any) -> 'YaqlSettings':
        """From any object with the option attributes (e.g. `conf.yaql`)."""
        return cls(**{f.name: getattr(group, f.name)
                      for f in dataclasses.fields(cls)})

    def engine_options(self) -> dict:
        return {
            'yaql.limitIterators': self.limit_iterators,
            'yaql.memoryQuota': self.memory_quota,
            'yaql.convertInputData': self.convert_input_data,
            'yaql.convertOutputData': self.convert_output_data,
            'yaql.convertTuplesToLists': self.convert_tuples_to_lists,
            'yaql.convertSetsToLists': self.convert_sets_to_lists,
            'yaql.iterableDicts': self.iterable_dicts,
        }


DEFAULT_SETTINGS = YaqlSettings()

# The yaql engine is built once per process, like upstream's; the
# composition root (`mistral.cmd`) sets the options before any service
# starts. Code that needs other options passes `settings` explicitly.
_process_settings = [DEFAULT_SETTINGS]


def configure(settings: YaqlSettings) -> None:
    """Set the options every later evaluation uses by default."""
    _process_settings[0] = settings


def current_settings() -> YaqlSettings:
    return _process_settings[0]


def _wrap(impl):
    """Adapt a FUNCTIONS entry to yaql: the data context is `$`."""

    def call(context, *args, **kwargs):
        # `$` is rebound inside select()/where(); the data is kept apart.
        return impl(context[_DATA], *[_plain(a) for a in args],
                    **{k: _plain(v) for k, v in kwargs.items()})

    call.__name__ = impl.__name__
    return call


@functools.lru_cache(maxsize=8)
def _engine(settings: YaqlSettings):
    # An empty keyword operator turns `name => value` arguments off.
    return factory.YaqlFactory(
        keyword_operator=settings.keyword_operator or None,
        allow_delegates=settings.allow_delegates,
    ).create(options=settings.engine_options())


@functools.lru_cache(maxsize=8)
def _root_context(allow_delegates: bool):
    ctx = yaql.create_context(delegates=allow_delegates)
    for name, impl in functions.FUNCTIONS.items():
        ctx.register_function(_wrap(impl), name=name)
    return ctx


@functools.lru_cache(maxsize=4096)
def _parse(expression: str, settings: YaqlSettings):
    try:
        return _engine(settings)(expression)
    except (yaql_exc.YaqlException, KeyError, ValueError, TypeError) as e:
        raise exc.ExpressionGrammarError(NAME, expression, str(e))


def parse(expression: str, settings: YaqlSettings | None = None):
    return _parse(expression, settings or current_settings())


def evaluate(expression: str, data: Any,
             settings: YaqlSettings | None = None) -> Any:
    settings = settings or current_settings()
    parsed = _parse(expression, settings)
    ctx = _root_context(settings.allow_delegates).create_child_context()
    ctx[_DATA] = data
    # yaql's own conversion, with large values converted once (see
    # _ConversionMemo), set as `$` before evaluating.
    ctx['$'] = _CONVERSIONS.convert(data) if settings.convert_input_data \
        else data
    try:
        result = parsed.evaluate(context=ctx)
    except exc.MistralError:
        raise
    except Exception as e:
        raise exc.ExpressionEvaluationError(NAME, expression,
                                            f'{type(e).__name__}: {e}')
    # With convert_output_data yaql has converted the result already,
    # honouring the tuple and set options; without it, unwrap at least
    # its frozen dicts and iterators (as upstream does) so the result can
    # be stored.
    return _unbox(result)


class _ConversionMemo:
    """yaql converts the whole evaluation data (lists to tuples, dicts to
    frozen dicts) on every evaluation. A with-items task evaluates its
    input once per item, with the whole item list in the data, which made
    it quadratic in the number of items. Large lists and dicts are
    converted once and remembered by identity: the engine never changes
    JSON values in place, and the memo holds a reference to each source,
    so an id is not reused while it is remembered."""

    MIN_SIZE = 64
    SLOTS = 64

    def __init__(self) -> None:
        self._memo: collections.OrderedDict[int, tuple[Any, Any]] = \
            collections.OrderedDict()
        self._lock = threading.Lock()

    def convert(self, value: Any) -> Any:
        return yaql_utils.convert_input_data(value, self._rec)

    def _rec(self, value: Any, rec) -> Any:
        if not isinstance(value, (list, dict)) or \
                len(value) < self.MIN_SIZE:
            return yaql_utils.convert_input_data(value, rec)
        key = id(value)
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] is value:
                self._memo.move_to_end(key)
                return hit[1]
        converted = yaql_utils.convert_input_data(value, rec)
        with self._lock:
            self._memo[key] = (value, converted)
            while len(self._memo) > self.SLOTS:
                self._memo.popitem(last=False)
        return converted


_CONVERSIONS = _ConversionMemo()


def _unbox(value: Any) -> Any:
    """Unwrap yaql's frozen dicts and iterators, keeping tuples and sets
    as the options left them."""
    if isinstance(value, yaql_utils.FrozenDict):
        return {k: _unbox(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _unbox(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unbox(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_unbox(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return value
    if yaql_utils.is_iterator(value):
        return [_unbox(v) for v in value]
    return value


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

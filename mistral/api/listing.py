"""List endpoints: filters with operators, sorting, keyset pagination,
`fields` and the `next` link, the same way for every resource."""
from __future__ import annotations

import datetime
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc

OPERATORS = ('eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'has')


@dataclass
class ListQuery:
    """Validated list parameters."""
    limit: int | None
    marker: str | None
    sort_keys: list[str]
    sort_dirs: list[str]
    fields: list[str]
    filters: dict[str, str] = field(default_factory=dict)


def parse_list_params(marker: str | None, limit: Any, sort_keys: str | None,
                      sort_dirs: str | None, fields: str | None,
                      filters: dict[str, str | None], max_limit: int,
                      allowed_fields: list[str],
                      default_sort: str = 'created_at') -> ListQuery:
    if limit in (None, ''):
        parsed_limit = None
    else:
        try:
            parsed_limit = int(limit)
        except (TypeError, ValueError):
            raise exc.InputError(f'Limit must be a positive integer, got '
                                 f'{limit!r}')
        if parsed_limit <= 0:
            raise exc.InputError('Limit must be positive.')
        parsed_limit = min(parsed_limit, max_limit)
    keys = [k.strip() for k in (sort_keys or default_sort).split(',')
            if k.strip()]
    dirs = [d.strip() for d in (sort_dirs or '').split(',') if d.strip()]
    if len(dirs) > len(keys):
        raise exc.InputError('Length of sort_keys must be equal or greater '
                             'than sort_dirs.')
    for d in dirs:
        if d not in ('asc', 'desc'):
            raise exc.InputError(f"Unknown sort direction, must be 'desc' "
                                 f"or 'asc': {d}")
    dirs += ['asc'] * (len(keys) - len(dirs))
    for k in keys:
        if k not in allowed_fields:
            raise exc.InputError(f'Invalid sort key: {k}')
    wanted = [f.strip() for f in (fields or '').split(',') if f.strip()]
    unknown = [f for f in wanted if f not in allowed_fields]
    if unknown:
        raise exc.InputError(f'Some fields do not exist [{", ".join(unknown)}]'
                             f', please choose from '
                             f'[{", ".join(allowed_fields)}]')
    return ListQuery(parsed_limit, marker or None, keys, dirs, wanted,
                     {k: v for k, v in filters.items() if v is not None})


def _coerce(column: sa.Column, raw: str) -> Any:
    ctype = column.type
    if isinstance(ctype, sa.DateTime):
        try:
            return datetime.datetime.fromisoformat(raw.replace('T', ' '))
        except ValueError:
            raise exc.InputError(f'Invalid date for {column.key}: {raw!r}')
    if isinstance(ctype, sa.Boolean):
        lowered = raw.lower()
        if lowered not in ('true', 'false', '1', '0'):
            raise exc.InputError(f'Invalid boolean for {column.key}: '
                                 f'{raw!r}')
        return lowered in ('true', '1')
    if isinstance(ctype, sa.Integer):
        try:
            return int(raw)
        except ValueError:
            raise exc.InputError(f'Invalid integer for {column.key}: '
                                 f'{raw!r}')
    return raw


def _json_text(value: str) -> str:
    """JSON columns are compared as their stored text."""
    try:
        return json.dumps(json.loads(value))
    except ValueError:
        return value


def filter_clause(column: sa.Column, raw: str, is_json: bool = False):
    op, sep, value = raw.partition(':')
    if not sep or op not in OPERATORS:
        op, value = 'eq', raw
    if is_json:
        # Compare with the stored JSON text, not a re-encoded value.
        column = sa.type_coerce(column, sa.Text)
    convert = (lambda v: _json_text(v)) if is_json else \
        (lambda v: _coerce(column, v))
    if op in ('in', 'nin'):
        values = [convert(v) for v in value.split(',')]
        return column.in_(values) if op == 'in' else column.not_in(values)
    if op == 'has':
        # A plain substring: '%' and '_' in the value are not wildcards.
        return column.contains(value, autoescape=True)
    if op not in ('eq', 'neq') and isinstance(
            getattr(column, 'type', None), sa.Boolean):
        raise exc.InputError(
            f"Operator '{op}' does not apply to the boolean field "
            f"'{column.key}'; use eq, neq, in or nin")
    target = convert(value)
    return {
        'eq': lambda: column == target,
        'neq': lambda: column != target,
        'gt': lambda: column > target,
        'gte': lambda: column >= target,
        'lt': lambda: column < target,
        'lte': lambda: column <= target,
    }[op]()


def apply(session: Session, query: sa.Select, model, params: ListQuery,
          json_columns: frozenset[str] = frozenset(),
          column_map: dict[str, Any] | None = None) -> list:
    """Filter, sort and page `query` over `model`."""
    columns = dict(column_map or {})

    def col(name: str):
        if name in columns:
            return columns[name]
        attr = getattr(model, name, None)
        if attr is None:
            raise exc.InputError(f'Invalid filter or sort key: {name}')
        return attr

    for name, raw in params.filters.items():
        query = query.where(filter_clause(col(name), raw,
                                          name in json_columns))
    keys = list(params.sort_keys)
    dirs = list(params.sort_dirs)
    if 'id' not in keys:
        keys.append('id')
        dirs.append(dirs[0] if dirs else 'asc')
    if params.marker:
        marker = session.get(model, params.marker)
        if marker is None:
            # A bad query parameter (upstream answers 404 here).
            raise exc.InputError(f'Marker not found: {params.marker}')
        query = query.where(_after(marker, keys, dirs, col))
    order = []
    for key, direction in zip(keys, dirs):
        column = col(key)
        if _nullable(column):
            # The same NULL order on every database (NULL is the
            # smallest value), which keyset paging below relies on.
            present = column.is_not(None)
            order.append(present.desc() if direction == 'desc'
                         else present.asc())
        order.append(column.desc() if direction == 'desc' else column.asc())
    query = query.order_by(*order)
    if params.limit:
        query = query.limit(params.limit)
    return list(session.scalars(query))


def _nullable(column) -> bool:
    return getattr(getattr(column, 'expression', column), 'nullable', True)


def _position(column, value, direction: str):
    """(rows after `value`, rows equal to it) for one sort key, with NULL
    sorted below every value."""
    if value is None:
        equal = column.is_(None)
        after = column.is_not(None) if direction == 'asc' else sa.false()
    else:
        equal = column == value
        after = column > value if direction == 'asc' else \
            sa.or_(column < value, column.is_(None))
    return after, equal


def _after(marker, keys: list[str], dirs: list[str], col):
    """Rows strictly after `marker` in the sort order (keyset paging)."""
    clauses = []
    equal_prefix: list = []
    for key, direction in zip(keys, dirs):
        after, equal = _position(col(key), getattr(marker, key), direction)
        clauses.append(sa.and_(*equal_prefix, after))
        equal_prefix.append(equal)
    return sa.or_(*clauses)


def next_link(base_url: str, resource: str, rows: list,
              params: ListQuery,
              extra: dict[str, str | None] | None = None) -> str | None:
    """The URL of the next page when this one is full. `extra` carries
    the other parameters that shape the list (all_projects,
    include_output, nulls) so the next page is cut from the same list."""
    if not params.limit or len(rows) < params.limit:
        return None
    query: dict[str, str] = dict(params.filters)
    query.update({k: v for k, v in (extra or {}).items()
                  if v not in (None, '')})
    query['limit'] = str(params.limit)
    query['marker'] = rows[-1].id
    query['sort_keys'] = ','.join(params.sort_keys)
    query['sort_dirs'] = ','.join(params.sort_dirs)
    if params.fields:
        query['fields'] = ','.join(params.fields)
    return f'{base_url}/v2/{resource}?{urllib.parse.urlencode(query)}'

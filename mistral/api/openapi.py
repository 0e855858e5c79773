"""The OpenAPI 3.1 document of REST API v2, served at /v2/openapi.json.

Built by walking the controllers the application mounts, so a new
controller or argument shows up without touching this module:

* a `RestController` at `/p` serves `get_all` (GET /p), `get_one`
  (GET /p/{id}), `post` (POST /p), `put` (PUT /p or /p/{id}), `delete`
  (DELETE /p/{id}) and its `_custom_actions` (/p/<action>); controllers
  it holds as attributes are mounted under /p/{id}/<attribute>, and their
  methods take the parent id as first argument;
* a plain controller at `/p` serves its exposed `index` at /p and holds
  controllers as attributes at /p/<attribute>;
* `wsexpose` methods carry their argument names, argument and return WSME
  types and status code; other exposed methods their Python signature.

What introspection cannot know (text bodies, hand-built answers, the
schemas of query parameters, error codes) comes from
`mistral.api.openapi_extra`.
"""
from __future__ import annotations

import copy
import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Iterator

from pecan import rest
from wsme import types as wtypes

from mistral.api import openapi_extra as extra
from mistral.api.types import JsonType

Schema = dict[str, Any]
METHODS = ('get', 'post', 'put', 'delete')


@dataclass
class Route:
    """One operation the controllers serve."""
    method: str
    path: str
    path_params: list[str]
    handler: Any
    query: list[tuple[str, bool]] = field(default_factory=list)
    on_item: bool = False
    tag: str = ''

    @property
    def wsme(self):
        return getattr(self.handler, '_wsme_definition', None)


# -- walking the controllers ------------------------------------------------

def _exposed(controller, name: str):
    func = getattr(type(controller), name, None)
    return func if getattr(func, 'exposed', False) else None


def _arguments(func) -> list[tuple[str, bool, bool]]:
    """(name, mandatory, positional) of each argument a client can give,
    in order; keyword-only ones can only come from the query."""
    definition = getattr(func, '_wsme_definition', None)
    if definition is not None:
        args = list(definition.arguments)
        if definition.body_type is not None:
            args = args[:-1]  # WSME's body argument comes last.
        return [(a.name, a.mandatory, True) for a in args]
    out = []
    for p in list(inspect.signature(func).parameters.values())[1:]:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            out.append((p.name, p.default is inspect.Parameter.empty,
                        True))
        elif p.kind == p.KEYWORD_ONLY:
            out.append((p.name, False, False))
    return out


def _item_name(controller, depth: int) -> str | None:
    """The name of the id argument of a REST controller's items (after
    the `depth` ids of its parents)."""
    for name in ('get_one', 'delete', 'put'):
        func = _exposed(controller, name)
        if func is None:
            continue
        args = [a for a in _arguments(func) if a[2]]
        if len(args) > depth and (args[depth][1] or
                                  args[depth][0] == 'identifier'):
            return args[depth][0]
    return None


def _route(method: str, path: str, params: list[str], func, tag: str,
           on_item: bool, consumed: int | None = None) -> Route:
    """`consumed`: how many leading arguments the path fills (default:
    one per path parameter)."""
    args = _arguments(func)
    taken = len(params) if consumed is None else consumed
    return Route(method, path, list(params), func,
                 query=[(n, False) for n, _, _ in args[taken:]],
                 on_item=on_item, tag=tag)


def _rest_routes(controller, path: str, params: list[str], tag: str,
                 item: str | None) -> Iterator[Route]:
    depth = len(params)
    item_path = f'{path}/{{{item}}}'
    func = _exposed(controller, 'get_all')
    if func is not None:
        yield _route('get', path, params, func, tag, False)
    func = _exposed(controller, 'get_one')
    if func is not None and item:
        yield _route('get', item_path, params + [item], func, tag, True)
    func = _exposed(controller, 'post')
    if func is not None:
        yield _route('post', path, params, func, tag, False)
    func = _exposed(controller, 'put')
    if func is not None:
        args = [a for a in _arguments(func) if a[2]]
        if len(args) > depth and args[depth][0] == 'identifier' \
                and not args[depth][1]:
            # `identifier=None`: the collection and one item.
            yield _route('put', path, params, func, tag, False,
                         consumed=depth + 1)
            yield _route('put', item_path, params + [item], func, tag, True)
        elif len(args) > depth and args[depth][1] and item:
            yield _route('put', item_path, params + [item], func, tag, True)
        else:
            yield _route('put', path, params, func, tag, False)
    func = _exposed(controller, 'delete')
    if func is not None and item:
        yield _route('delete', item_path, params + [item], func, tag, True)
    for action, methods in sorted(
            getattr(controller, '_custom_actions', {}).items()):
        func = _exposed(controller, action)
        if func is None:
            continue
        for method in methods:
            yield _route(method.lower(), f'{path}/{action}', params, func,
                         tag, False)


def _children(controller) -> Iterator[tuple[str, Any]]:
    for name, value in sorted(vars(controller).items()):
        if not name.startswith('_') and _is_controller(value):
            yield name, value


def _is_controller(value) -> bool:
    if isinstance(value, rest.RestController):
        return True
    cls = type(value)
    return any(getattr(getattr(cls, n, None), 'exposed', False)
               for n in dir(cls) if not n.startswith('__'))


def walk(controller, path: str = '', params: list[str] | None = None,
         tag: str = '') -> Iterator[Route]:
    """Every operation served under `controller`, mounted at `path`."""
    params = params or []
    if isinstance(controller, rest.RestController):
        item = _item_name(controller, len(params))
        yield from _rest_routes(controller, path, params, tag, item)
        for name, child in _children(controller):
            child_item = item or f'{tag}_id'
            yield from walk(child, f'{path}/{{{child_item}}}/{name}',
                            params + [child_item], tag)
        return
    for name in dir(type(controller)):
        func = _exposed(controller, name)
        if func is None or name.startswith('_'):
            continue
        segment = getattr(func, 'custom_route', None) or (
            None if name == 'index' else name)
        target = f'{path}/{segment}' if segment else (path or '/')
        yield _route('get', target, params, func, tag, False)
    for name, child in _children(controller):
        yield from walk(child, f'{path}/{name}', params,
                        name if isinstance(child, rest.RestController)
                        else tag)


# -- WSME types as JSON schemas ---------------------------------------------

class _Schemas:
    """Component schemas of the WSME types met while building."""

    def __init__(self) -> None:
        self.components: dict[str, Schema] = {}
        self._names: dict[tuple[type, bool], str] = {}

    def of(self, datatype, incoming: bool = False,
           owner: str = '', attr: str = '') -> Schema:
        if isinstance(datatype, wtypes.ArrayType):
            return {'type': ['array', 'null'], 'items': self.of(
                datatype.item_type, incoming, owner, attr)}
        if isinstance(datatype, wtypes.DictType):
            return {'type': ['object', 'null'], 'additionalProperties':
                    self.of(datatype.value_type, incoming)}
        if isinstance(datatype, wtypes.Enum):
            return {'type': 'string', 'enum': sorted(datatype.values)}
        if isinstance(datatype, JsonType):
            if incoming:
                return copy.deepcopy(extra.JSON_INPUT.get(
                    (owner, attr), extra.JSON_INPUT_DEFAULT))
            return {'type': ['string', 'null'],
                    'description': 'A JSON document, as a string.'}
        if isinstance(datatype, type) and issubclass(datatype, wtypes.Base):
            return {'$ref': '#/components/schemas/'
                    + self._complex(datatype, incoming)}
        simple = {str: 'string', bytes: 'string', int: 'integer',
                  float: 'number', bool: 'boolean'}.get(datatype)
        if simple:
            return {'type': [simple, 'null']}
        return {}

    def _complex(self, cls: type, incoming: bool) -> str:
        key = (cls, incoming)
        if key in self._names:
            return self._names[key]
        name = cls.__name__
        if any(n == name for (c, _), n in self._names.items() if c is not cls
               ) or (cls, not incoming) in self._names:
            name += 'Input' if incoming else ''
        self._names[key] = name
        schema: Schema = {'type': 'object', 'properties': {}}
        self.components[name] = schema
        if cls.__doc__ and cls.__doc__.strip():
            schema['description'] = cls.__doc__.strip().splitlines()[0]
        required = []
        for attr in wtypes.list_attributes(cls):
            schema['properties'][attr.name] = self.of(
                attr.datatype, incoming, cls.__name__, attr.name)
            if attr.mandatory:
                required.append(attr.name)
        if required:
            schema['required'] = required
        if incoming:
            schema['additionalProperties'] = False
        rules = extra.TYPE_RULES.get(cls.__name__)
        if rules:
            _merge(schema, rules)
        return name


def _merge(schema: Schema, rules: Schema) -> None:
    for key, value in rules.items():
        if key == 'properties':
            for prop, sub in value.items():
                schema['properties'].setdefault(prop, {}).update(sub)
        else:
            schema[key] = copy.deepcopy(value)


# -- the document -------------------------------------------------------------

def _json(schema: Schema | None) -> dict:
    return {'application/json': {'schema': schema or {}}}


def _errors(statuses) -> dict:
    out = {}
    for status in statuses:
        out[str(status)] = {
            'description': extra.ERROR_TEXT.get(status, 'Error.'),
            'headers': {'Server-Error-Message': {
                'description': 'The `faultstring`.',
                'schema': {'type': 'string'}}},
            'content': _json(extra.ERROR_REF)}
    return out


def _path_parameter(path: str, name: str) -> dict:
    schema: Schema = {'type': 'string'}
    for (prefix, param), special in extra.PATH_PARAMETERS.items():
        if param == name and path.startswith(prefix):
            schema = special
    return {'name': name, 'in': 'path', 'required': True,
            'schema': copy.deepcopy(schema)}


def _query_parameter(path: str, name: str, fields: list[str],
                     is_list: bool) -> dict:
    """`fields`: the fields of the resource answered; on a list, the
    parameters that are not paging ones are filters."""
    schema = extra.PARAMETER_OVERRIDES.get((path, name)) or \
        extra.QUERY_PARAMETERS.get(name)
    if name in ('fields', 'sort_keys') and fields:
        schema = dict(schema, pattern=_comma_list(fields),
                      description=f'{schema["description"]} Among: '
                      f'{", ".join(fields)}.')
    elif schema is None or (is_list and name in extra.FILTERABLE):
        if is_list and path in extra.EXACT_FILTER_LISTS:
            schema = {'type': 'string', 'description': 'Exact value.'}
        elif is_list:
            schema = extra.FILTER_SCHEMAS.get(name, extra.FILTER_SCHEMA)
        else:
            schema = {'type': 'string'}
    return {'name': name, 'in': 'query', 'required': False,
            'schema': copy.deepcopy(schema)}


def _comma_list(words: list[str]) -> str:
    """A regular expression for comma-separated `words` (or nothing)."""
    one = '(' + '|'.join(words) + ')'
    return f'^({one}(,{one})*)?$'


def _answer_fields(datatype, is_list: bool) -> list[str]:
    """The fields of the resource answered: of the items of a list
    answer (`Workflows.workflows`), or of the answer itself."""
    if not (isinstance(datatype, type) and issubclass(datatype,
                                                      wtypes.Base)):
        return []
    attrs = wtypes.list_attributes(datatype)
    if is_list:
        for attr in attrs:
            if isinstance(attr.datatype, wtypes.ArrayType) and \
                    isinstance(attr.datatype.item_type, type) and \
                    issubclass(attr.datatype.item_type, wtypes.Base):
                return [a.name for a in wtypes.list_attributes(
                    attr.datatype.item_type)]
        return []
    return [a.name for a in attrs]


def _operation(route: Route, schemas: _Schemas) -> dict:
    notes = extra.OPERATIONS.get((route.method, route.path), {})
    wsme = route.wsme
    is_list = route.method == 'get' and not route.on_item
    fields = _answer_fields(wsme.return_type, is_list) if wsme else []
    op: dict[str, Any] = {
        'operationId': _operation_id(route),
        'summary': notes.get('summary') or _summary(route),
        'parameters': [_path_parameter(route.path, p)
                       for p in route.path_params]
        + [_query_parameter(route.path, n, fields, is_list and bool(fields))
           for n, _ in route.query],
    }
    for param in op['parameters']:
        if param['name'] in notes.get('required_query', ()):
            param['required'] = True
            param['schema']['minLength'] = 1
    if route.tag:
        op['tags'] = [route.tag]
    if not op['parameters']:
        del op['parameters']
    status, answer = 200, None
    if wsme is not None:
        status = wsme.status_code
        if wsme.return_type is not None:
            answer = schemas.of(wsme.return_type)
        if wsme.body_type is not None:
            op['requestBody'] = {'required': True, 'content': _json(
                schemas.of(wsme.body_type, incoming=True))}
    if 'body' in notes:
        op['requestBody'] = copy.deepcopy(notes['body'])
    if 'answer' in notes:
        status = notes['answer']['status']
        answer = notes['answer']['schema']
    success: dict[str, Any] = {'description': 'Success.'}
    if status != 204:
        success['content'] = _json(answer)
    errors = notes.get('errors', extra.ERRORS_BY_METHOD[route.method])
    if route.path_params and 404 not in errors:
        errors = tuple(errors) + (404,)
    op['responses'] = {str(status): success, **_errors(sorted(errors))}
    return op


def _operation_id(route: Route) -> str:
    words = [w.strip('{}') for w in route.path.split('/') if w]
    return '_'.join([route.method] + words).replace('.', '_') or 'get_root'


def _summary(route: Route) -> str:
    doc = inspect.getdoc(route.handler)
    if doc:
        return doc.splitlines()[0]
    verb = extra.VERBS.get((route.method, route.on_item),
                           route.method.upper() + ' {}')
    resource = [w for w in route.path.split('/') if w and '{' not in w]
    return verb.format(resource[-1].replace('_', ' ') if resource
                       else 'root') + '.'


def build_document(root) -> dict:
    """The OpenAPI document of everything `root` serves."""
    schemas = _Schemas()
    schemas.components.update(copy.deepcopy(extra.EXTRA_SCHEMAS))
    schemas.components['Error'] = copy.deepcopy(extra.ERROR_SCHEMA)
    paths: dict[str, dict] = {}
    for route in walk(root):
        moved = extra.ROUTE_MOVES.get((route.method, route.path))
        if moved:
            route.path, route.path_params, route.on_item = moved
        paths.setdefault(route.path, {})[route.method] = \
            _operation(route, schemas)
    for (method, path), notes in extra.MIDDLEWARE_OPERATIONS.items():
        paths.setdefault(path, {})[method] = {
            'operationId': _operation_id(Route(method, path, [], None)),
            **copy.deepcopy(notes)}
    return {
        'openapi': '3.1.0',
        'info': {
            'title': 'Mistral REST API v2',
            'version': '2.0',
            'description': extra.DESCRIPTION,
        },
        'servers': [{'url': '/'}],
        'paths': {p: paths[p] for p in sorted(paths)},
        'components': {'schemas': {
            n: schemas.components[n] for n in sorted(schemas.components)}},
    }


@functools.cache
def document() -> dict:
    """The document of the application's controllers, built once."""
    # Imported here: the root controller module serves this document.
    from mistral.api.controllers.root import RootController
    from mistral.api.services import ApiServices
    # Controllers only keep their services; none is used to describe them.
    return build_document(RootController(ApiServices(store=None,
                                                     engine=None)))

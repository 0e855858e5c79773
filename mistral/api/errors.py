"""The one place where errors become HTTP status codes."""
from __future__ import annotations

import functools
import inspect
import json
import logging

import pecan
import webob
from wsme import exc as wsme_exc
from wsmeext.pecan import wsexpose

from mistral import exceptions as exc
from mistral.api.controllers import routing

LOG = logging.getLogger(__name__)

# Most specific first.
_STATUS = [
    (exc.NotFoundError, 404),
    (exc.DuplicateEntryError, 409),
    (exc.ConflictError, 409),
    (exc.NotAllowedError, 403),
    (exc.InputError, 400),
    (exc.ExpressionEvaluationError, 400),
    (exc.SizeLimitExceededError, 400),
    (exc.RPCTimeoutError, 500),
    (exc.EngineError, 500),
]


def status_of(error: Exception) -> int:
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 500


def header_text(message: str) -> str:
    """`message` as a header value: one line of ASCII (WSGI servers refuse
    anything outside Latin-1, and line breaks would end the header), at
    most 2000 characters."""
    line = ''.join(' ' if ord(c) < 32 or ord(c) == 127 else c
                   for c in message)
    return line.encode('ascii', 'backslashreplace').decode('ascii')[:2000]


def fault(message: str, client: bool = True) -> dict:
    return {'faultcode': 'Client' if client else 'Server',
            'faultstring': message, 'debuginfo': None}


def expose(*args, **kwargs):
    """`wsexpose` for a controller method whose Mistral errors become HTTP
    errors with the status `status_of` gives."""

    def decorate(func):
        exposed = wsexpose(*args, **kwargs)(_translate(func))
        # wsexpose copied our __signature__; pecan must see its own
        # (self, *args, **kwargs) to route, while WSME keeps the full one.
        exposed.__dict__.pop('__signature__', None)
        return exposed

    return decorate


def _translate(func):

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except exc.MistralError as e:
            status = status_of(e)
            if status >= 500:
                LOG.error('Request failed: %s', e)
            raise wsme_exc.ClientSideError(str(e), status_code=status) \
                if status < 500 else _ServerError(str(e))

    # WSME and pecan read the argument list of the function they expose.
    wrapper.__signature__ = inspect.signature(func)
    return wrapper


class _ServerError(Exception):
    code = 500


def text_endpoint(func):
    """For pecan endpoints that answer JSON text themselves (definition
    uploads): errors become a `faultstring` JSON body too."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except exc.MistralError as e:
            status = status_of(e)
            if status >= 500:
                LOG.error('Request failed: %s', e)
            pecan.response.status = status
            pecan.response.content_type = 'application/json'
            pecan.response.headers['Server-Error-Message'] = \
                header_text(str(e))
            return fault(str(e), client=status < 500)

    return wrapper


class JsonErrorMiddleware:
    """Every error answer is JSON with a `faultstring`, even for unknown
    paths and methods; XML request bodies are refused with 415.

    Paths and methods are checked against `routes` (by default the
    documented ones, see mistral.api.controllers.routing) before the
    application sees the request: 404 for an unknown path, 405 with
    `Allow` for a method the path does not serve, OPTIONS answered with
    `Allow`, HEAD served as GET without the body."""

    def __init__(self, app, routes: routing.RouteTable | None = None
                 ) -> None:
        self.app = app
        self.routes = routes if routes is not None else routing.documented()

    def __call__(self, environ, start_response):
        # webob leaves the body out of the answer to a HEAD request.
        return self._respond(webob.Request(environ))(environ, start_response)

    def _respond(self, request: webob.Request) -> webob.Response:
        method, path = request.method, request.path
        allowed = self.routes.allowed(request.path_info)
        if allowed is None:
            return self._error(404, f'Resource not found: {method} {path}')
        if method == 'OPTIONS':
            response = webob.Response(status=200, content_type=None)
            response.headers['Allow'] = routing.allow_header(allowed)
            return response
        if method not in allowed:
            return self._error(405, f'Method {method} is not allowed on '
                               f'{path}', allowed)
        if method == 'HEAD':
            request = webob.Request(dict(request.environ,
                                         REQUEST_METHOD='GET'))
        ctype = (request.content_type or '').lower()
        if 'xml' in ctype:
            return self._error(415, 'XML request bodies are not supported; '
                               'send JSON (or YAML text for definitions).')
        if ctype.startswith('multipart/'):
            # The framework would try to parse it as a form and fail.
            return self._error(415, 'Multipart request bodies are not '
                               'supported; send JSON (or YAML text for '
                               'definitions).')
        problem = self._json_body_problem(request, ctype)
        if problem:
            return self._error(400, problem)
        try:
            response = request.get_response(self.app)
        except Exception:
            LOG.exception('Request failed: %s %s', request.method,
                          request.path_qs)
            return self._error(500, 'Internal server error')
        if response.status_code >= 400 and \
                'json' not in (response.content_type or ''):
            message = response.status
            if response.status_code == 404:
                message = f'Resource not found: {method} {path}'
            elif response.status_code == 405:
                message = f'Method {method} is not allowed on {path}'
            return self._error(response.status_code, message, allowed)
        message = None
        if response.status_code >= 400 and response.content_type and \
                'json' in response.content_type:
            try:
                message = json.loads(response.body).get('faultstring')
            except (ValueError, AttributeError):
                message = None
        if message and 'Server-Error-Message' not in response.headers:
            response.headers['Server-Error-Message'] = \
                header_text(str(message))
        if response.status_code == 405:
            response.headers['Allow'] = routing.allow_header(allowed)
        return response

    @staticmethod
    def _json_body_problem(request: webob.Request, ctype: str) -> str | None:
        """Every JSON body the API takes is an object; say so clearly
        instead of failing deep inside the framework."""
        if request.method not in ('POST', 'PUT', 'PATCH') or \
                'json' not in ctype or not request.body:
            return None
        try:
            body = json.loads(request.body)
        except ValueError as e:
            return f'Malformed JSON body: {e}'
        if not isinstance(body, dict):
            return ('The request body must be a JSON object, got '
                    f'{type(body).__name__}')
        return None

    @staticmethod
    def _error(status: int, message: str,
               allowed: frozenset[str] | None = None) -> webob.Response:
        response = webob.Response(
            body=json.dumps(fault(message, client=status < 500)).encode(),
            status=status, content_type='application/json',
            charset='utf-8')
        if allowed and status == 405:
            response.headers['Allow'] = routing.allow_header(allowed)
        response.headers['Server-Error-Message'] = header_text(message)
        return response

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
    paths and methods; XML request bodies are refused with 415."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        ctype = (request.content_type or '').lower()
        if 'xml' in ctype:
            return self._error(415, 'XML request bodies are not supported; '
                               'send JSON (or YAML text for definitions).'
                               )(environ, start_response)
        if ctype.startswith('multipart/'):
            # The framework would try to parse it as a form and fail.
            return self._error(415, 'Multipart request bodies are not '
                               'supported; send JSON (or YAML text for '
                               'definitions).')(environ, start_response)
        problem = self._json_body_problem(request, ctype)
        if problem:
            return self._error(400, problem)(environ, start_response)
        try:
            response = request.get_response(self.app)
        except Exception:
            LOG.exception('Request failed: %s %s', request.method,
                          request.path_qs)
            return self._error(500, 'Internal server error')(
                environ, start_response)
        if response.status_code >= 400 and \
                'json' not in (response.content_type or ''):
            message = response.status
            if response.status_code == 404:
                message = (f'Resource not found: {request.method} '
                           f'{request.path}')
            elif response.status_code == 405:
                message = (f'Method {request.method} is not allowed on '
                           f'{request.path}')
            return self._error(response.status_code, message,
                               response.headers)(environ, start_response)
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
        return response(environ, start_response)

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
    def _error(status: int, message: str, headers=None) -> webob.Response:
        response = webob.Response(
            body=json.dumps(fault(message, client=status < 500)).encode(),
            status=status, content_type='application/json',
            charset='utf-8')
        if headers and status == 405 and 'Allow' in headers:
            response.headers['Allow'] = headers['Allow']
        response.headers['Server-Error-Message'] = header_text(message)
        return response

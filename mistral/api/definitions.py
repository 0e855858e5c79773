"""Reading request bodies that WSME does not parse: definitions sent as
text, and JSON bodies read by hand so unknown keys get upstream's own
messages."""
from __future__ import annotations

import json

import pecan

from mistral import exceptions as exc

SCOPES = ('private', 'public')


def scope_param(scope: str | None,
                default: str | None = 'private') -> str | None:
    if scope in (None, ''):
        return default
    if scope not in SCOPES:
        raise exc.InputError(f"Scope must be one of {list(SCOPES)}, got "
                             f"'{scope}'")
    return scope


def definition_text() -> str:
    """The request body: YAML sent as text/plain (any text type works)."""
    try:
        return pecan.request.body.decode('utf-8')
    except UnicodeDecodeError:
        raise exc.DSLParsingError('Definition is not valid UTF-8 text')


def json_body() -> dict:
    """The request body as a JSON object."""
    try:
        body = json.loads(pecan.request.body or b'{}')
    except ValueError as e:
        raise exc.InputError(f'Malformed JSON body: {e}')
    if not isinstance(body, dict):
        raise exc.InputError('The request body must be a JSON object, got '
                             f'{type(body).__name__}')
    return body

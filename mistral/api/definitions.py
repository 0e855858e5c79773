"""Helpers for endpoints that take a definition as the raw request body."""
from __future__ import annotations

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

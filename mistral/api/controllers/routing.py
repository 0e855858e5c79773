"""Which paths exist and which methods each one serves, as one table.

Pecan alone is too lenient: a REST controller hands surplus path segments
to its handlers as arguments (`POST /v2/code_sources/foo` would create
`foo`), takes a missing one as a missing argument (400 where the method
does not exist), and a plain `index` answers every method. So
`mistral.api.errors.JsonErrorMiddleware` looks each request up here
before pecan sees it: an unknown path is 404, a method the path does not
serve is 405, and `Allow` (on 405 and OPTIONS) lists what the path serves.

The table is read from the OpenAPI document, which is itself walked from
the mounted controllers, so the router, the document and the `Allow`
headers cannot disagree (tests/api/test_openapi.py checks the document
covers every handler).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable

from mistral.api import openapi

# Answered for every path that exists: HEAD wherever GET is (the GET
# answer without its body) and OPTIONS (the `Allow` header).
IMPLICIT = frozenset({'OPTIONS'})


@dataclass(frozen=True)
class Route:
    """A path template split in segments (None for a `{parameter}`) and
    the methods it serves, upper case."""
    segments: tuple[str | None, ...]
    methods: frozenset[str]

    def matches(self, parts: list[str]) -> bool:
        return len(parts) == len(self.segments) and all(
            s is None or s == p for s, p in zip(self.segments, parts))

    @property
    def specificity(self) -> tuple[bool, ...]:
        """Literal segments win over parameters, left to right, so
        `/v2/workflows/validate` is not read as a workflow named
        `validate`."""
        return tuple(s is not None for s in self.segments)


class RouteTable:
    def __init__(self, paths: Iterable[tuple[str, Iterable[str]]]) -> None:
        """`paths`: (template such as `/v2/workflows/{identifier}`,
        methods it serves)."""
        self.routes = [Route(_split_template(path),
                             frozenset(m.upper() for m in methods))
                       for path, methods in paths]

    def allowed(self, path: str) -> frozenset[str] | None:
        """The methods `path` serves, HEAD and OPTIONS included, or None
        when no route has that path."""
        parts = [p for p in path.split('/') if p]
        matching = [r for r in self.routes if r.matches(parts)]
        if not matching:
            return None
        best = max(r.specificity for r in matching)
        methods = set(IMPLICIT)
        for route in matching:
            if route.specificity == best:
                methods |= route.methods
        if 'GET' in methods:
            methods.add('HEAD')
        return frozenset(methods)


def allow_header(methods: Iterable[str]) -> str:
    return ', '.join(sorted(methods))


def _split_template(path: str) -> tuple[str | None, ...]:
    return tuple(None if s.startswith('{') and s.endswith('}') else s
                 for s in path.split('/') if s)


@functools.cache
def documented() -> RouteTable:
    """The routes of the OpenAPI document of the application."""
    return RouteTable((path, ops.keys())
                      for path, ops in openapi.document()['paths'].items())

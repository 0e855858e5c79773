"""What the API controllers need, handed to them at construction."""
from __future__ import annotations

from dataclasses import dataclass

import pecan
from wsme import types as wtypes
from wsme.rest.json import tojson

from mistral import exceptions as exc
from mistral.context import ANONYMOUS, RequestContext
from mistral.db.store import Store
from mistral.rpc.clients import EngineClient


@dataclass(frozen=True)
class ApiServices:
    store: Store
    engine: EngineClient
    max_limit: int = 1000


def request_context() -> RequestContext:
    """The caller of the current request (set by the context hook)."""
    return getattr(pecan.request, 'mistral_context', ANONYMOUS)


def base_url() -> str:
    return pecan.request.host_url


def plain(resource: wtypes.Base) -> dict:
    """A WSME resource as the JSON it would be sent as."""
    return tojson(type(resource), resource)


def truthy(value) -> bool:
    """A boolean query parameter."""
    return str(value).lower() in ('true', '1', 'yes')


def reject_extra_path(segments: int) -> None:
    """Pecan hands trailing path segments to `get_one` as arguments; a path
    longer than the resource's own is simply not found."""
    parts = [p for p in pecan.request.path.split('/') if p]
    if len(parts) > segments:
        raise exc.NotFoundError('Resource', path=pecan.request.path)

"""What the API controllers need, handed to them at construction."""
from __future__ import annotations

from dataclasses import dataclass

import pecan
from wsme import types as wtypes
from wsme.rest.json import tojson

from mistral.context import ANONYMOUS, RequestContext
from mistral.db.store import Store
from mistral.rpc.clients import EngineClient


@dataclass(frozen=True)
class ApiServices:
    store: Store
    engine: EngineClient
    max_limit: int = 1000
    # Announces event trigger changes (mistral.event_engine.client).
    event_engine: object | None = None
    allow_action_execution_deletion: bool = False


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

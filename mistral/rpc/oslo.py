"""RPC over oslo.messaging (RabbitMQ `rabbit://...`), threading executor.

Errors raised by a remote method come back to `call` as
`oslo_messaging.RemoteError`; Mistral errors are rebuilt on this side from
the class name so the API can map them to the right HTTP status.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from mistral import exceptions as exc

LOG = logging.getLogger(__name__)

# Errors a caller may see from a remote method, rebuilt by name.
_REMOTE_ERRORS = {
    name: obj for name, obj in vars(exc).items()
    if isinstance(obj, type) and issubclass(obj, exc.MistralError)
}


class _Endpoint:
    """Adapts a plain service object to oslo.messaging's (ctx, **kw) calls."""

    def __init__(self, target_obj: object) -> None:
        self._obj = target_obj

    def __getattr__(self, name: str):
        if name.startswith('_'):
            raise AttributeError(name)
        method = getattr(self._obj, name)

        def call(ctx, **kwargs):
            return _remote_safe(method, kwargs)

        return call


def _remote_safe(method, kwargs):
    try:
        return method(**kwargs)
    except exc.MistralError as e:
        # Travels as a dict reply so the caller can rebuild the exact class.
        return {'__mistral_error__': type(e).__name__, 'message': str(e)}


def _unwrap(reply: Any) -> Any:
    if isinstance(reply, dict) and '__mistral_error__' in reply:
        cls = _REMOTE_ERRORS.get(reply['__mistral_error__'], exc.EngineError)
        error = cls.__new__(cls)
        exc.MistralError.__init__(error, reply['message'])
        raise error
    return reply


class _Server:
    def __init__(self, server: messaging.MessageHandlingServer) -> None:
        self._server = server

    def stop(self) -> None:
        self._server.stop()
        self._server.wait()


class OsloTransport:
    def __init__(self, conf: cfg.ConfigOpts, url: str) -> None:
        self._conf = conf
        self._transport = messaging.get_rpc_transport(conf, url=url)
        self._clients: dict[tuple[str, str | None], messaging.RPCClient] = {}
        self._lock = threading.Lock()

    def _client(self, topic: str, server: str | None) -> messaging.RPCClient:
        key = (topic, server)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                target = messaging.Target(topic=topic, server=server)
                client = messaging.get_rpc_client(self._transport, target)
                self._clients[key] = client
            return client

    def cast(self, topic: str, method: str, payload: dict,
             server: str | None = None) -> None:
        self._client(topic, server).cast({}, method, **payload)

    def call(self, topic: str, method: str, payload: dict,
             server: str | None = None,
             timeout: float | None = None) -> Any:
        client = self._client(topic, server)
        if timeout is not None:
            client = client.prepare(timeout=timeout)
        try:
            return _unwrap(client.call({}, method, **payload))
        except messaging.MessagingTimeout:
            raise exc.RPCTimeoutError(method, timeout or 0)

    def serve(self, topic: str, server: str, endpoint: object,
              workers: int) -> _Server:
        target = messaging.Target(topic=topic, server=server)
        rpc_server = messaging.get_rpc_server(
            self._transport, target, [_Endpoint(endpoint)],
            executor='threading')
        rpc_server.start()
        return _Server(rpc_server)

    def close(self) -> None:
        self._transport.cleanup()

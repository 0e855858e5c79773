"""RPC between services that live in the same process (no broker).

Used by `mistral-server --server all` when no `transport_url` is set. Each
served topic has its own thread pool; a message to a server name goes to
the listener with that name, otherwise listeners take turns.
"""
from __future__ import annotations

import itertools
import logging
import threading
from concurrent import futures
from typing import Any

from mistral import exceptions as exc

LOG = logging.getLogger(__name__)


class _Listener:
    def __init__(self, transport: 'InProcessTransport', topic: str,
                 server: str, endpoint: object, workers: int) -> None:
        self.transport = transport
        self.topic = topic
        self.server = server
        self.endpoint = endpoint
        self.pool = futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f'rpc-{topic}')

    def submit(self, method: str, payload: dict) -> futures.Future:
        handler = getattr(self.endpoint, method, None)
        if handler is None or method.startswith('_'):
            raise exc.EngineError(f'No RPC method {method} on {self.topic}')
        return self.pool.submit(self._run, handler, method, payload)

    @staticmethod
    def _run(handler, method: str, payload: dict) -> Any:
        try:
            return handler(**payload)
        except exc.MistralError:
            raise
        except Exception:
            LOG.exception('RPC method %s failed', method)
            raise

    def stop(self) -> None:
        self.transport._remove(self)
        self.pool.shutdown(wait=True)


class InProcessTransport:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, list[_Listener]] = {}
        self._turns = itertools.count()

    def serve(self, topic: str, server: str, endpoint: object,
              workers: int) -> _Listener:
        listener = _Listener(self, topic, server, endpoint, workers)
        with self._lock:
            self._listeners.setdefault(topic, []).append(listener)
        return listener

    def _remove(self, listener: _Listener) -> None:
        with self._lock:
            self._listeners.get(listener.topic, []).remove(listener)

    def _pick(self, topic: str, server: str | None) -> _Listener:
        with self._lock:
            candidates = self._listeners.get(topic, [])
            if server is not None:
                candidates = [x for x in candidates if x.server == server]
            if not candidates:
                raise exc.EngineError(
                    f'No service listens on topic {topic!r}'
                    + (f' with server {server!r}' if server else ''))
            return candidates[next(self._turns) % len(candidates)]

    def cast(self, topic: str, method: str, payload: dict,
             server: str | None = None) -> None:
        future = self._pick(topic, server).submit(method, payload)
        future.add_done_callback(_log_failure)

    def call(self, topic: str, method: str, payload: dict,
             server: str | None = None,
             timeout: float | None = None) -> Any:
        future = self._pick(topic, server).submit(method, payload)
        try:
            return future.result(timeout=timeout)
        except futures.TimeoutError:
            raise exc.RPCTimeoutError(method, timeout or 0)

    def close(self) -> None:
        with self._lock:
            listeners = [x for xs in self._listeners.values() for x in xs]
        for listener in listeners:
            listener.stop()


def _log_failure(future: futures.Future) -> None:
    error = future.exception()
    if error is not None and not isinstance(error, exc.MistralError):
        LOG.error('Asynchronous RPC failed: %s', error)

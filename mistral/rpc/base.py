"""The one RPC interface the services use.

Messages are plain JSON-able dicts. `cast` is fire-and-forget, `call`
waits for the reply. A server name (`server=`) pins a message to one
listener of a topic, which is how a task's `target` reaches one executor.
"""
from __future__ import annotations

from typing import Any, Protocol


class RPCServer(Protocol):
    def stop(self) -> None: ...


class Transport(Protocol):
    def cast(self, topic: str, method: str, payload: dict,
             server: str | None = None) -> None: ...

    def call(self, topic: str, method: str, payload: dict,
             server: str | None = None,
             timeout: float | None = None) -> Any: ...

    def serve(self, topic: str, server: str, endpoint: object,
              workers: int) -> RPCServer:
        """Dispatch messages for `topic` to methods of `endpoint`."""
        ...

    def close(self) -> None: ...

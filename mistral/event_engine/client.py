"""Telling the event engines that event triggers changed.

Every event engine must hear of a change, so over a broker the notice is
a fanout cast on `[event_engine] topic`. The notice carries nothing: an
event engine that gets it reloads the triggers from the database, so a
notice lost or handled twice does no harm.
"""
from __future__ import annotations

import threading

RELOAD_METHOD = 'reload_triggers'


class EventEngineClient:
    """Fanout casts over oslo.messaging; the RPC transport is opened on
    first use, so an API that never changes a trigger opens nothing."""

    def __init__(self, conf, topic: str) -> None:
        self._conf = conf
        self._topic = topic
        self._lock = threading.Lock()
        self._transport = None
        self._client = None

    def _rpc_client(self):
        import oslo_messaging as messaging

        with self._lock:
            if self._client is None:
                self._transport = messaging.get_rpc_transport(self._conf)
                # A few tries only: with the broker down, the request that
                # changed a trigger must not hang (the reload timer of the
                # event engines covers a lost notice).
                self._client = messaging.get_rpc_client(
                    self._transport,
                    messaging.Target(topic=self._topic, fanout=True),
                    retry=3)
            return self._client

    def triggers_changed(self) -> None:
        self._rpc_client().cast({}, RELOAD_METHOD)

    def close(self) -> None:
        with self._lock:
            if self._transport is not None:
                self._transport.cleanup()
            self._transport = self._client = None


class LocalEventEngineClient:
    """For an event engine in the same process without a broker."""

    def __init__(self, event_engine) -> None:
        self._event_engine = event_engine

    def triggers_changed(self) -> None:
        self._event_engine.reload_triggers()

    def close(self) -> None:
        pass

"""The event engine: notification listeners that start workflows.

It keeps one oslo.messaging notification listener per exchange that some
event trigger names, bound to the topics of those triggers. Listeners
share their queue (`mistral-<exchange>-<pool>`) with the other event
engines of the same pool, so each notification is handled by one of
them. The triggers are reloaded from the database when the API announces
a change (`reload_triggers`) and every `reload_interval` seconds in case
an announcement was lost; in between the engine only waits.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from mistral.db import models
from mistral.event_engine import matching
from mistral.event_engine.definitions import Converter
from mistral.services import event_triggers as trigger_service

LOG = logging.getLogger(__name__)

PRIORITIES = ('audit', 'critical', 'debug', 'error', 'info', 'warn')


class _NotificationEndpoint:
    """One method per notification priority, all handled alike."""

    def __init__(self, engine: 'EventEngine', exchange: str) -> None:
        self._engine = engine
        self._exchange = exchange
        for priority in PRIORITIES:
            setattr(self, priority, self._handle)

    def _handle(self, ctxt, publisher_id, event_type, payload, metadata):
        self._engine.on_notification(self._exchange, ctxt, publisher_id,
                                     event_type, payload, metadata)
        # Handled even when it failed: a redelivered event would fail the
        # same way, and an event must never start a workflow twice.
        return None


class _ControlEndpoint:
    """The RPC methods other services call (nothing else is exposed)."""

    def __init__(self, engine: 'EventEngine') -> None:
        self._engine = engine

    def reload_triggers(self, **_ignored) -> None:
        self._engine.reload_triggers()


class EventEngine:
    """`engine_client` needs `start_workflow(...)` like
    `mistral.rpc.clients.EngineClient`; `notification_transport` is an
    oslo.messaging notification transport."""

    def __init__(self, store, engine_client, notification_transport,
                 converter: Converter, pool_name: str = 'events',
                 reload_interval: float = 60.0) -> None:
        self.store = store
        self.engine_client = engine_client
        self.transport = notification_transport
        self.converter = converter
        self.pool_name = pool_name
        self.reload_interval = reload_interval
        self.control_endpoint = _ControlEndpoint(self)
        self._index = matching.TriggerIndex([])
        self._loaded: tuple = ()
        self._listeners: dict[str, tuple[frozenset[str], Any]] = {}
        self._reload_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self.reload()
        self._thread = threading.Thread(target=self._loop,
                                        name='event-engine', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        with self._reload_lock:
            for exchange in list(self._listeners):
                self._stop_listener(exchange)

    def reload_triggers(self) -> None:
        """Ask for a reload soon; many asks in a row make one reload."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.reload_interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.reload()
            except Exception:
                # The database may be briefly unreachable: keep the
                # current triggers and try again next time.
                LOG.exception('Reloading event triggers failed')

    # -- triggers and listeners --------------------------------------------

    def reload(self) -> None:
        """Read every trigger and listen where they need it."""
        with self._reload_lock:
            with self.store.read() as session:
                rows = trigger_service.all_event_triggers(session)
                index = matching.TriggerIndex(
                    matching.Trigger.from_row(r) for r in rows)
            wanted = index.bindings
            # Swap first: events of removed triggers must stop at once,
            # those of new triggers are matched as soon as they arrive.
            self._index = index
            for exchange in list(self._listeners):
                if self._listeners[exchange][0] != wanted.get(exchange):
                    self._stop_listener(exchange)
            for exchange, topics in wanted.items():
                if exchange not in self._listeners:
                    self._start_listener(exchange, topics)
            changed = index.triggers != self._loaded
            self._loaded = index.triggers
            (LOG.info if changed else LOG.debug)(
                'Loaded %d event trigger(s), listening on %d exchange(s)',
                len(index.triggers), len(self._listeners))

    def _start_listener(self, exchange: str,
                        topics: frozenset[str]) -> None:
        import oslo_messaging as messaging

        targets = [messaging.Target(exchange=exchange, topic=topic)
                   for topic in sorted(topics)]
        listener = messaging.get_notification_listener(
            self.transport, targets,
            [_NotificationEndpoint(self, exchange)],
            executor='threading', allow_requeue=False,
            pool=f'mistral-{exchange}-{self.pool_name}')
        listener.start()
        self._listeners[exchange] = (topics, listener)
        LOG.info('Listening for events on exchange %s, topics %s',
                 exchange, ', '.join(sorted(topics)))

    def _stop_listener(self, exchange: str) -> None:
        topics, listener = self._listeners.pop(exchange)
        try:
            listener.stop()
            listener.wait()
        except Exception as e:
            LOG.warning('Error stopping the listener on %s: %s', exchange, e)
        LOG.info('Stopped listening on exchange %s, topics %s', exchange,
                 ', '.join(sorted(topics)))

    # -- events ------------------------------------------------------------

    def on_notification(self, exchange: str, ctxt, publisher_id: str,
                        event_type: str, payload: Any,
                        metadata: dict | None) -> int:
        """Start the workflow of every matching trigger; answer how many
        were started."""
        context = dict(ctxt) if isinstance(ctxt, dict) else {}
        # The default properties read these two; oslo.context sends the
        # user only as "user", older senders may leave either out.
        context.setdefault('project_id', context.get('project'))
        context.setdefault('user_id', context.get('user'))
        triggers = self._index.matching(exchange, event_type,
                                        context.get('project_id'))
        if not triggers:
            LOG.debug('Event %s on %s matches no trigger', event_type,
                      exchange)
            return 0
        event = {
            'event_type': event_type,
            'payload': payload,
            'publisher': publisher_id,
            'timestamp': (metadata or {}).get('timestamp') or
            context.get('timestamp') or str(models.utcnow()),
            'context': context,
        }
        try:
            event_params = self.converter.convert(event)
        except Exception as e:
            LOG.error('Event %s could not be converted with the event '
                      'definitions: %s', event_type, e)
            return 0
        started = 0
        for trigger in triggers:
            if self._start(trigger, event_params):
                started += 1
        return started

    def _start(self, trigger: matching.Trigger, event_params) -> bool:
        LOG.info("Event trigger '%s' (%s) starts workflow %s on %s",
                 trigger.name, trigger.id, trigger.workflow_id,
                 trigger.event)
        try:
            self.engine_client.start_workflow(
                trigger.workflow_id, models.new_id(),
                dict(trigger.workflow_input),
                matching.workflow_params(trigger, event_params),
                matching.execution_description(trigger),
                trigger.project_id)
            return True
        except Exception as e:
            LOG.error("Event trigger '%s' (%s) could not start workflow "
                      '%s: %s', trigger.name, trigger.id,
                      trigger.workflow_id, e)
            return False

"""Delivering events to publishers, off the engine's transaction path.

`Notifier` keeps a few worker threads; the events of one root execution
always go to the same worker, so a receiver sees them in the order they
happened while different executions are delivered in parallel. A failing
or slow publisher delays only the executions on its worker and never the
engine.

`NotifierService` is the RPC endpoint of `mistral-server --server
notifier` ([notifier] type = remote).
"""
from __future__ import annotations

import logging
import queue
import threading
import zlib
from typing import Any

from mistral.actions.std_http import HttpSettings
from mistral.context import RequestContext
from mistral.notifiers import publishers as pub

LOG = logging.getLogger(__name__)

_STOP = object()


class Notifier:
    def __init__(self, workers: int = 4,
                 egress: HttpSettings | None = None) -> None:
        self._egress = egress
        self._queues: list[queue.Queue] = [queue.Queue()
                                           for _ in range(max(workers, 1))]
        self._threads: list[threading.Thread] = []
        self._publishers: dict[str, pub.NotificationPublisher] = {}
        self._lock = threading.Lock()

    def start(self) -> 'Notifier':
        with self._lock:
            if not self._threads:
                for n, q in enumerate(self._queues):
                    thread = threading.Thread(target=self._work, args=(q,),
                                              name=f'notifier-{n}',
                                              daemon=True)
                    thread.start()
                    self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (within `timeout`), then stop."""
        for q in self._queues:
            q.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def submit(self, batch: list[dict]) -> None:
        """Queue events (dicts as made by `recorder.collect`) in order."""
        if not self._threads:
            self.start()
        for event in batch:
            key = event.get('root_id') or event['ex_id']
            index = zlib.crc32(key.encode()) % len(self._queues)
            self._queues[index].put(event)

    def _work(self, q: queue.Queue) -> None:
        while True:
            event = q.get()
            if event is _STOP:
                return
            self.deliver(event)

    def deliver(self, event: dict) -> None:
        """Hand one event to each of its publishers; failures are logged."""
        data = event['data']
        ctx = RequestContext(project_id=data.get('project_id')
                             or RequestContext().project_id)
        for entry in event['publishers']:
            params = {k: v for k, v in entry.items()
                      if k not in ('type', 'event_types')}
            name = entry.get('type')
            try:
                self._publisher(name).publish(
                    ctx, event['ex_id'], data, event['event'],
                    event['timestamp'], **params)
            except Exception as e:
                LOG.error('Notification %s of %s to publisher %s failed: '
                          '%s', event['event'], event['ex_id'], name, e)

    def _publisher(self, name: str) -> pub.NotificationPublisher:
        with self._lock:
            found = self._publishers.get(name)
            if found is None:
                found = self._publishers[name] = pub.load(name, self._egress)
            return found


class NotifierService:
    """RPC endpoint: events sent by engines through their outbox."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    def publish_events(self, events: list[dict[str, Any]]) -> None:
        self.notifier.submit(events)

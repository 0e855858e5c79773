"""What the engine does with notifications, per `[notifier] type`.

`remote`: a transaction's events become one outbox message to the
notifier topic, committed with the state change and sent after commit
(resent if the engine dies in between). `local`: they are handed to a
`Notifier` in the engine process after commit.
"""
from __future__ import annotations

import logging
from typing import Any

from mistral.notifiers import publishers as pub
from mistral.notifiers import recorder
from mistral.notifiers.notifier import Notifier

LOG = logging.getLogger(__name__)

LOCAL = 'local'
REMOTE = 'remote'


class EngineNotifications:
    def __init__(self, mode: str = LOCAL, topic: str = 'mistral_notifier',
                 global_publishers: list[dict] | None = None,
                 notifier: Notifier | None = None) -> None:
        self.mode = mode
        self.topic = topic
        self.global_publishers = pub.validate(list(global_publishers or []))
        self._notifier = notifier

    def prepare_params(self, params: dict | None) -> dict:
        """Check `params.notify` and append the global publishers."""
        params = dict(params or {})
        notify = pub.validate(params.get('notify'))
        if self.global_publishers:
            notify = list(notify) + self.global_publishers
        if notify:
            params['notify'] = notify
        return params

    def in_transaction(self, session: Any, box: Any) -> None:
        """At the end of the transaction, before commit."""
        batch = recorder.collect(session, box)
        if batch and self.mode == REMOTE:
            box.add(self.topic, 'publish_events', {'events': batch})

    def after_commit(self, box: Any) -> None:
        if self.mode != LOCAL or box.notifications is None:
            return
        batch = box.notifications.collected
        if batch:
            if self._notifier is None:
                self._notifier = Notifier()
            self._notifier.submit(batch)

    def stop(self) -> None:
        if self._notifier is not None:
            self._notifier.stop()

"""Firing cron triggers: the loop of the `periodic` service.

Any number of nodes may run it on one database. A node claims one firing
of a trigger by moving its `next_execution_time` on with an UPDATE guarded
by the value it read: only one node's UPDATE matches, and only that node
starts the workflow, after its transaction has committed.
"""
from __future__ import annotations

import datetime
import json
import logging
import threading
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.db import models
from mistral.services import cron_triggers as cron_service

LOG = logging.getLogger(__name__)

CRON = models.CronTrigger
# Triggers due this soon are fired now rather than one interval late.
LOOKAHEAD = datetime.timedelta(seconds=2)


def execution_description(trigger_id: str) -> str:
    return json.dumps({
        'description': "Workflow execution created by cron trigger "
                       f"'({trigger_id})'.",
        'triggered_by': {'type': 'cron_trigger', 'id': trigger_id},
    })


class CronRunner:
    """Every `interval` seconds, fire the triggers that are due.

    `engine_client` needs `start_workflow(...)` like
    `mistral.rpc.clients.EngineClient`; `clock()` answers naive UTC now.
    """

    def __init__(self, store, engine_client, interval: float = 1.0,
                 clock: Callable[[], datetime.datetime] = models.utcnow
                 ) -> None:
        self.store = store
        self.engine_client = engine_client
        self.interval = interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name='cron',
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                # The database may be briefly unreachable: try next time.
                LOG.exception('Cron trigger pass failed')

    # -- one pass ----------------------------------------------------------

    def run_once(self) -> int:
        """Fire every due trigger once; answer how many workflows were
        started by this node."""
        now = self.clock()
        with self.store.read() as session:
            due = session.scalars(
                sa.select(CRON)
                .where(CRON.next_execution_time <= now + LOOKAHEAD)
                .order_by(CRON.next_execution_time)).all()
        started = 0
        for trigger in due:
            if self._stop.is_set():
                break
            try:
                claimed = self.store.run_in_transaction(
                    self._advance, trigger, now)
            except Exception:
                LOG.exception('Could not advance cron trigger %s (%s)',
                              trigger.name, trigger.id)
                continue
            if not claimed:
                LOG.debug('Cron trigger %s was fired by another node',
                          trigger.id)
                continue
            try:
                self._start(trigger)
                started += 1
            except Exception:
                LOG.exception("Cron trigger '%s' (%s) could not start "
                              'workflow %s', trigger.name, trigger.id,
                              trigger.workflow_name)
        return started

    def _advance(self, session: Session, trigger: models.CronTrigger,
                 now: datetime.datetime) -> bool:
        """Claim this firing: schedule the next one, or delete the trigger
        after its last. False when another node claimed it first."""
        guard = sa.and_(CRON.id == trigger.id,
                        CRON.next_execution_time ==
                        trigger.next_execution_time)
        remaining = trigger.remaining_executions
        if remaining is not None:
            remaining -= 1
        if (remaining is not None and remaining <= 0) or not trigger.pattern:
            result = session.execute(sa.delete(CRON).where(guard))
            return result.rowcount > 0
        # From the later of now and the missed time: after downtime the
        # trigger fires once, not once per missed period.
        next_time = cron_service.next_execution_time(
            trigger.pattern, max(now, trigger.next_execution_time))
        result = session.execute(
            sa.update(CRON).where(guard).values(
                next_execution_time=next_time,
                remaining_executions=remaining,
                updated_at=models.utcnow()))
        return result.rowcount > 0

    def _start(self, trigger: models.CronTrigger) -> None:
        LOG.info("Cron trigger '%s' starts workflow %s", trigger.name,
                 trigger.workflow_name)
        self.engine_client.start_workflow(
            trigger.workflow_id, models.new_id(),
            dict(trigger.workflow_input or {}),
            dict(trigger.workflow_params or {}),
            execution_description(trigger.id), trigger.project_id)

"""Messages written inside a transaction, sent after it commits.

This is how the engine keeps DESIGN invariant 1: a state change and the
messages it implies are stored together, so a crash between commit and send
loses nothing (`resend_stale` sends what a dead process left behind).
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.db import models
from mistral.db.store import Store
from mistral.rpc.base import Transport
from mistral.scheduler import jobs

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    id: str
    topic: str
    method: str
    payload: dict
    server: str | None = None


class Outbox:
    """Collects the messages and delayed jobs of one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.messages: list[Message] = []
        self.wakeups: list[datetime.datetime] = []
        # Notification events of this transaction (a
        # mistral.notifiers.recorder.Batch once one happens).
        self.notifications = None

    def schedule(self, func_name: str, args: dict, delay_s: float) -> None:
        """A delayed job, committed with the state change that needs it."""
        self.wakeups.append(jobs.schedule(self._session, func_name, args,
                                          delay_s))

    def add(self, topic: str, method: str, payload: dict,
            server: str | None = None) -> None:
        row = models.OutboxMessage(id=models.new_id(), topic=topic,
                                   method=method, payload=payload,
                                   server=server)
        self._session.add(row)
        self.messages.append(Message(row.id, topic, method, payload, server))


def send(store: Store, transport: Transport, messages: list[Message]) -> None:
    """Send committed messages, then forget them.

    The rows stay locked while they are sent: `resend_stale` skips locked
    rows, so a sender that is merely slow (a busy machine) never has its
    messages sent a second time by another engine, which would run an
    action twice. Rows another engine already took are skipped here.
    """
    if not messages:
        return
    ids = [m.id for m in messages]
    sent: list[str] = []

    def delete(session: Session) -> None:
        session.execute(sa.delete(models.OutboxMessage).where(
            models.OutboxMessage.id.in_(sent)))

    try:
        with store.write() as session:
            mine = set(session.scalars(
                sa.select(models.OutboxMessage.id)
                .where(models.OutboxMessage.id.in_(ids))
                .with_for_update(skip_locked=True)))
            for m in messages:
                if m.id not in mine:
                    continue
                try:
                    transport.cast(m.topic, m.method, m.payload,
                                   server=m.server)
                    sent.append(m.id)
                except Exception as e:  # left in the table; resent later
                    LOG.error('Could not send %s to %s: %s', m.method,
                              m.topic, e)
            if sent:
                delete(session)
    except Exception as e:
        if not sent:  # nothing went out: `resend_stale` sends them
            LOG.error('Outbox messages left for resending: %s', e)
            return
        # They went out (e.g. the DELETE hit a deadlock): forget them now,
        # not by retrying the whole block, which would send them again.
        store.run_in_transaction(delete)


def resend_stale(store: Store, transport: Transport,
                 older_than_s: float, batch: int = 100) -> int:
    """Send messages a crashed process committed but never sent."""
    deadline = models.utcnow() - datetime.timedelta(seconds=older_than_s)

    def claim_and_send(session: Session) -> int:
        # Sending inside this transaction is deliberate: if it rolls back,
        # a message may go twice, and every receiver is idempotent.
        rows = session.scalars(
            sa.select(models.OutboxMessage)
            .where(models.OutboxMessage.created_at < deadline)
            .order_by(models.OutboxMessage.created_at)
            .limit(batch)
            .with_for_update(skip_locked=True)).all()
        count = 0
        for row in rows:
            LOG.warning('Resending %s left unsent by a stopped process',
                        row.method)
            try:
                transport.cast(row.topic, row.method, row.payload,
                               server=row.server)
            except Exception as e:
                LOG.error('Resend of %s failed: %s', row.method, e)
                continue
            session.delete(row)
            count += 1
        return count

    return store.run_in_transaction(claim_and_send)

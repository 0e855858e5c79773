"""Finding actions whose executor died.

Executors report the ids of the actions they run every `interval`
seconds; the engine stamps `last_heartbeat`. An action not stamped for
`max_missed` intervals (or, if never stamped, for `first_timeout` seconds
after it was sent) was lost with its executor.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.db import models
from mistral.workflow import states

ACTION = models.ActionExecution


@dataclass(frozen=True)
class HeartbeatSettings:
    interval: float = 20.0
    max_missed: int = 15
    first_timeout: float = 3600.0

    @property
    def expiry(self) -> float:
        return self.interval * self.max_missed


def lost_message(action_ex_id: str) -> str:
    return ('The action was lost: its executor stopped sending heartbeats '
            f'[action_ex_id={action_ex_id}]')


def claim(session: Session, action_ex_id: str, claim_id: str) -> bool:
    """Mark a running action as taken by one delivery of its message
    (`claim_id`, made up by the executor that received it); False if
    another delivery took it (the message came twice) or it is not running
    any more. Asking again with the same `claim_id` answers True again, so
    a claim whose answer was lost can be retried.
    (Not a heartbeat: a claimed action may wait its turn in the executor.)
    """
    result = session.execute(
        sa.update(ACTION)
        .where(ACTION.id == action_ex_id,
               ACTION.state == states.RUNNING,
               sa.or_(ACTION.claimed_by.is_(None),
                      ACTION.claimed_by == claim_id))
        .values(claimed_at=models.utcnow(), claimed_by=claim_id))
    return result.rowcount == 1


def record(session: Session, action_ex_ids: list[str]) -> None:
    session.execute(
        sa.update(ACTION)
        .where(ACTION.id.in_(action_ex_ids),
               ACTION.state == states.RUNNING)
        .values(last_heartbeat=models.utcnow()))


def find_lost(session: Session, settings: HeartbeatSettings,
              limit: int = 100) -> list[str]:
    """Synchronous actions still RUNNING whose heartbeats stopped."""
    now = models.utcnow()
    stale = now - datetime.timedelta(seconds=settings.expiry)
    never = now - datetime.timedelta(seconds=settings.first_timeout)
    return list(session.scalars(
        sa.select(ACTION.id).where(
            ACTION.state == states.RUNNING,
            ACTION.is_sync.is_(True),
            sa.or_(ACTION.last_heartbeat < stale,
                   sa.and_(ACTION.last_heartbeat.is_(None),
                           ACTION.created_at < never)))
        .limit(limit)))


def _executor_key(host: str) -> str:
    return f'executor:{host}'


def record_executor(session: Session, host: str) -> None:
    """Remember that an executor with this host name is alive."""
    row = session.scalars(sa.select(models.MistralMetric).where(
        models.MistralMetric.name == _executor_key(host))
        .with_for_update()).first()
    now = models.utcnow().isoformat(sep=' ')
    if row is None:
        session.add(models.MistralMetric(name=_executor_key(host), value=now))
    else:
        row.value = now


def executor_alive(session: Session, host: str, within_s: float) -> bool:
    """Whether an executor with this host name reported in time."""
    value = session.scalar(sa.select(models.MistralMetric.value).where(
        models.MistralMetric.name == _executor_key(host)))
    if value is None:
        return False
    seen = datetime.datetime.fromisoformat(value)
    return models.utcnow() - seen < datetime.timedelta(seconds=within_s)

"""The execution expiration policy: a loop of the `periodic` service.

Every `evaluation_interval` minutes it deletes finished root workflow
executions (SUCCESS, ERROR, CANCELLED minus `ignored_states`) that were
last updated more than `older_than` minutes ago, then all but the
`max_finished_executions` most recently updated ones. A root execution
goes with everything under it: its sub-workflow executions (they carry
its id as `root_execution_id`), and their task and action executions
(removed by the database's ON DELETE CASCADE).

Any number of nodes may run it at once: each transaction locks the root
rows it deletes and checks them again, so a row is deleted once and a
row that was rerun meanwhile (no longer finished) is kept.
"""
from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.workflow import states

LOG = logging.getLogger(__name__)

WF = models.WorkflowExecution


@dataclass(frozen=True)
class ExpirationPolicy:
    """The `[execution_expiration_policy]` options."""
    evaluation_interval: int | None = None   # minutes
    older_than: int | None = None            # minutes
    max_finished_executions: int = 0
    batch_size: int = 0
    ignored_states: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        wrong = sorted(set(self.ignored_states) - states.TERMINAL)
        if wrong:
            raise exc.ConfigError(
                f'[execution_expiration_policy] ignored_states: '
                f'{", ".join(wrong)} is not a finished state; valid states '
                f'are {", ".join(sorted(states.TERMINAL))}')

    @property
    def enabled(self) -> bool:
        """Upstream's rule: an interval, and something to delete by."""
        return bool(self.evaluation_interval) and (
            (self.older_than or 0) >= 1 or
            self.max_finished_executions >= 1)

    @property
    def deletable_states(self) -> list[str]:
        return sorted(states.TERMINAL - set(self.ignored_states))


def _deletable(policy: ExpirationPolicy):
    return sa.and_(WF.task_execution_id.is_(None),
                   WF.state.in_(policy.deletable_states))


def expired_ids(session: Session, policy: ExpirationPolicy,
                now: datetime.datetime, limit: int | None) -> list[str]:
    if not policy.older_than:
        return []
    cutoff = now - datetime.timedelta(minutes=policy.older_than)
    query = sa.select(WF.id).where(_deletable(policy),
                                   WF.updated_at < cutoff) \
        .order_by(WF.updated_at, WF.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def superfluous_ids(session: Session, policy: ExpirationPolicy,
                    limit: int | None) -> list[str]:
    """Finished roots beyond the `max_finished_executions` newest."""
    if not policy.max_finished_executions:
        return []
    query = sa.select(WF.id).where(_deletable(policy)) \
        .order_by(WF.updated_at.desc(), WF.id.desc()) \
        .offset(policy.max_finished_executions)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def delete_roots(session: Session, policy: ExpirationPolicy,
                 ids: list[str]) -> int:
    """Delete these root executions if they are still finished roots, with
    everything under them; answer how many roots were deleted."""
    if not ids:
        return 0
    # Locked in id order so two nodes deleting overlapping batches wait
    # for each other instead of deadlocking.
    locked = list(session.scalars(
        sa.select(WF.id).where(WF.id.in_(ids), _deletable(policy))
        .order_by(WF.id).with_for_update()))
    if not locked:
        return 0
    # Sub-workflow executions first: MySQL checks foreign keys per row.
    session.execute(sa.delete(WF).where(WF.root_execution_id.in_(locked),
                                        WF.id.notin_(locked)))
    session.execute(sa.delete(WF).where(WF.id.in_(locked)))
    return len(locked)


class ExpirationRunner:
    """Runs the policy every `evaluation_interval` minutes, first at
    start."""

    def __init__(self, store, policy: ExpirationPolicy,
                 clock: Callable[[], datetime.datetime] = models.utcnow
                 ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop,
                                        name='expiration', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        interval = self.policy.evaluation_interval * 60
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                # The database may be briefly unreachable: next time.
                LOG.exception('Execution expiration pass failed')
            self._stop.wait(interval)

    def run_once(self) -> int:
        """One pass; answer how many root executions were deleted."""
        now = self.clock()
        limit = self.policy.batch_size or None
        deleted = self._until_depleted(
            lambda s: expired_ids(s, self.policy, now, limit))
        deleted += self._until_depleted(
            lambda s: superfluous_ids(s, self.policy, limit))
        if deleted:
            LOG.info('Expiration policy deleted %d execution(s)', deleted)
        return deleted

    def _until_depleted(self, select: Callable[[Session], list[str]]) -> int:
        total = 0
        while not self._stop.is_set():
            count = self.store.run_in_transaction(
                lambda s: delete_roots(s, self.policy, select(s)))
            total += count
            # Nothing left, or what was selected changed under us (another
            # node deleted it, or it was rerun): stop rather than spin.
            if not count:
                break
        return total

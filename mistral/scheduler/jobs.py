"""Delayed jobs stored in the database (`scheduled_jobs_v2`).

A job is written in the same transaction as the state change that needs
it, so it survives a restart. Any engine may run it: it is claimed by
setting `captured_at`, and deleted by the transaction that does its work,
so it runs once. A job claimed by a process that died is claimed again
after `captured_timeout` seconds.
"""
from __future__ import annotations

import datetime
import logging
import threading
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.db import models
from mistral.db.store import Store

LOG = logging.getLogger(__name__)

# handler(func_name, func_args, job_id); it must delete the job row in the
# transaction that does the work.
Handler = Callable[[str, dict, str], None]


def schedule(session: Session, func_name: str, args: dict,
             delay_s: float, key: str | None = None) -> datetime.datetime:
    """Add a job to the caller's transaction; returns when it is due."""
    due = models.utcnow() + datetime.timedelta(seconds=max(delay_s, 0))
    session.add(models.ScheduledJob(
        id=models.new_id(), key=key, func_name=func_name, func_args=args,
        execute_at=due))
    return due


def delete(session: Session, job_id: str | None) -> bool:
    """Remove a job as part of the work it triggered; False if another
    process already did it."""
    if job_id is None:
        return True
    result = session.execute(sa.delete(models.ScheduledJob).where(
        models.ScheduledJob.id == job_id))
    return result.rowcount == 1


class Scheduler:
    """Runs due jobs. Sleeps until the earliest due time it knows of; jobs
    written by other processes are found by a light query every
    `poll_interval` seconds."""

    def __init__(self, store: Store, handler: Handler,
                 poll_interval: float = 1.0, captured_timeout: float = 60.0,
                 batch_size: int = 100) -> None:
        self._store = store
        self._handler = handler
        self._poll = poll_interval
        self._captured_timeout = captured_timeout
        self._batch = batch_size
        self._wakeup = threading.Event()
        self._stopped = threading.Event()
        self._next_hint: datetime.datetime | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name='scheduler',
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._wakeup.set()
        if self._thread:
            self._thread.join(timeout=10)

    def wake(self, due: datetime.datetime) -> None:
        """A job due at `due` was committed by this process."""
        with self._lock:
            if self._next_hint is None or due < self._next_hint:
                self._next_hint = due
        self._wakeup.set()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                ran = self.run_due_jobs()
            except Exception:
                LOG.exception('Scheduler pass failed')
                ran = 0
            if ran:
                continue
            self._wakeup.wait(self._sleep_time())
            self._wakeup.clear()

    def _sleep_time(self) -> float:
        """Until the earliest known due job, at most `poll_interval`."""
        with self._lock:
            hint = self._next_hint
            if hint is None:
                return self._poll
            left = (hint - models.utcnow()).total_seconds()
            if left <= 0:
                self._next_hint = None
                return 0.0
            return min(left, self._poll)

    def run_due_jobs(self) -> int:
        """Claim and run the jobs that are due now; returns how many."""
        now = models.utcnow()
        stale = now - datetime.timedelta(seconds=self._captured_timeout)

        def claim(session: Session) -> list[tuple[str, str, dict]]:
            jobs = session.scalars(
                sa.select(models.ScheduledJob)
                .where(models.ScheduledJob.execute_at <= now,
                       sa.or_(models.ScheduledJob.captured_at.is_(None),
                              models.ScheduledJob.captured_at < stale))
                .order_by(models.ScheduledJob.execute_at)
                .limit(self._batch)
                .with_for_update(skip_locked=True)).all()
            for job in jobs:
                job.captured_at = now
            return [(j.id, j.func_name, j.func_args or {}) for j in jobs]

        jobs = self._store.run_in_transaction(claim)
        for job_id, func_name, args in jobs:
            try:
                self._handler(func_name, args, job_id)
            except Exception:
                LOG.exception('Scheduled job %s (%s) failed', job_id,
                              func_name)
        return len(jobs)

"""Maintenance mode: the service-wide status kept in `mistral_metrics`.

    RUNNING --PUT PAUSED--> PAUSING --(nothing runs any more)--> PAUSED
    PAUSING or PAUSED --PUT RUNNING--> RUNNING

While the status is not RUNNING the API refuses changes (HTTP 423, see
`mistral.api.app.MaintenanceMiddleware`). The work is done by two
scheduled jobs that any engine runs (`run_job`): one pauses every running
execution and sets PAUSED once no task is running, the other resumes the
executions maintenance paused (executions paused by their users stay
paused). Each pass of a job schedules the next pass in the transaction
that deletes it, so a dying engine does not leave the status stuck.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral import exceptions as exc
from mistral.db import models
from mistral.scheduler import jobs
from mistral.workflow import states

if TYPE_CHECKING:
    from mistral.engine.engine import Engine
    from mistral.engine.workflow_run import WorkflowRun

LOG = logging.getLogger(__name__)

RUNNING = 'RUNNING'
PAUSING = 'PAUSING'
PAUSED = 'PAUSED'
ALL = (PAUSING, PAUSED, RUNNING)
SETTABLE = (PAUSED, RUNNING)
STATUS_KEY = 'maintenance_status'

JOB_PAUSE = 'maintenance_pause'
JOB_RESUME = 'maintenance_resume'
JOBS = frozenset({JOB_PAUSE, JOB_RESUME})
# Set in an execution's runtime_context by the pause it does, in the same
# transaction, so the resume knows which executions are its own.
MARK = 'paused_by_maintenance'
# Seconds between two passes of a job.
PASS_INTERVAL = 1.0

_METRIC = models.MistralMetric
_WF = models.WorkflowExecution


def get_status(session: Session) -> str:
    """The current status; no row means RUNNING."""
    value = session.scalars(sa.select(_METRIC.value).where(
        _METRIC.name == STATUS_KEY)).first()
    return value or RUNNING


def _write(session: Session, status: str) -> None:
    row = session.scalars(sa.select(_METRIC).where(
        _METRIC.name == STATUS_KEY).with_for_update()).first()
    if row is None:
        session.add(_METRIC(name=STATUS_KEY, value=status))
    else:
        row.value = status


def request_status(session: Session, status: str) -> str:
    """PUT /maintenance: start going to `status`; returns the status now
    (PAUSING when PAUSED was asked for and executions must pause first)."""
    if status == PAUSING:
        raise exc.InputError('PAUSING is intermediate state. Consider '
                             'PAUSED, RUNNING as new state')
    if status not in SETTABLE:
        raise exc.InputError(f'Not found {status} maintenance state. List '
                             f'of states: {list(ALL)}')
    current = get_status(session)
    if current == status or (current == PAUSING and status == PAUSED):
        return current
    if status == PAUSED:
        _write(session, PAUSING)
        jobs.schedule(session, JOB_PAUSE, {}, 0)
        return PAUSING
    _write(session, RUNNING)
    jobs.schedule(session, JOB_RESUME, {}, 0)
    return RUNNING


def run_job(engine: 'Engine', func_name: str, job_id: str) -> None:
    """Run one pass of a maintenance job (called by the engine)."""
    if func_name == JOB_PAUSE:
        _pause_pass(engine, job_id)
    else:
        _resume_pass(engine, job_id)


def _pause_pass(engine: 'Engine', job_id: str) -> None:
    def plan(session: Session) -> list[str]:
        if not jobs.delete(session, job_id) or \
                get_status(session) != PAUSING:
            return []
        running = session.execute(
            sa.select(_WF.id, _WF.task_execution_id)
            .where(_WF.state == states.RUNNING)).all()
        busy_tasks = session.scalar(
            sa.select(sa.func.count()).select_from(models.TaskExecution)
            .where(models.TaskExecution.state == states.RUNNING))
        if not running and not busy_tasks:
            _write(session, PAUSED)
            LOG.info('Maintenance: every execution is paused; PAUSED')
            return []
        jobs.schedule(session, JOB_PAUSE, {}, PASS_INTERVAL)
        # Top-level executions first: pausing them pauses their children.
        return [ex_id for ex_id, parent in
                sorted(running, key=lambda row: row[1] is not None)]

    for execution_id in engine.store.run_in_transaction(plan):
        try:
            engine._change_state(execution_id, _pause_and_mark)
        except exc.MistralError as e:
            LOG.info('Maintenance: execution %s not paused: %s',
                     execution_id, e)


def _pause_and_mark(run: 'WorkflowRun') -> None:
    if run.wf_ex.state != states.RUNNING:
        return  # paused through its parent meanwhile, or finished
    run.pause()
    run.wf_ex.runtime_context = {**(run.wf_ex.runtime_context or {}),
                                 MARK: True}
    LOG.info('Maintenance: paused execution %s', run.wf_ex.id)


def _resume_pass(engine: 'Engine', job_id: str) -> None:
    def plan(session: Session) -> list[str]:
        if not jobs.delete(session, job_id) or \
                get_status(session) != RUNNING:
            return []
        marked = [(ex_id, parent) for ex_id, parent, runtime in
                  session.execute(
                      sa.select(_WF.id, _WF.task_execution_id,
                                _WF.runtime_context)
                      .where(_WF.state == states.PAUSED))
                  if (runtime or {}).get(MARK)]
        if marked:
            jobs.schedule(session, JOB_RESUME, {}, PASS_INTERVAL)
        return [ex_id for ex_id, parent in
                sorted(marked, key=lambda row: row[1] is not None)]

    for execution_id in engine.store.run_in_transaction(plan):
        try:
            engine._change_state(execution_id, _resume_and_unmark)
        except exc.MistralError as e:
            LOG.info('Maintenance: execution %s not resumed: %s',
                     execution_id, e)


def _resume_and_unmark(run: 'WorkflowRun') -> None:
    if run.wf_ex.state != states.PAUSED or \
            not (run.wf_ex.runtime_context or {}).get(MARK):
        return  # resumed through its parent meanwhile
    run.resume()
    run.wf_ex.runtime_context = {
        k: v for k, v in (run.wf_ex.runtime_context or {}).items()
        if k != MARK}
    LOG.info('Maintenance: resumed execution %s', run.wf_ex.id)

"""Task readiness that needs stored state: joins of direct workflows and
the requirements of reverse workflows."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from mistral.db import models
from mistral.lang.specs import TaskSpec
from mistral.workflow import commands, direct, reverse, states

LOG = logging.getLogger(__name__)


class FlowMixin:
    """Part of `WorkflowRun`; uses its session, execution, spec, outbox
    and queue."""

    def _reverse_transitions(self, task_ex: models.TaskExecution,
                             state: str, outbound: dict
                             ) -> direct.Transitions:
        if state != states.SUCCESS:
            return direct.Transitions((), ())
        rows = self.session.execute(
            sa.select(models.TaskExecution.name, models.TaskExecution.state)
            .where(models.TaskExecution.workflow_execution_id ==
                   self.wf_ex.id)).all()
        succeeded = {n for n, st in rows if st == states.SUCCESS}
        succeeded.add(task_ex.name)
        ready = reverse.ready_after(
            self.spec, (self.wf_ex.params or {}).get('task_name'),
            task_ex.name, succeeded, {n for n, _ in rows})
        cmds = []
        for name in ready:
            # A task's context merges the outbound contexts of all it needs.
            ctx = self.merge_outbounds(list(self.session.scalars(
                sa.select(models.TaskExecution).where(
                    models.TaskExecution.workflow_execution_id ==
                    self.wf_ex.id,
                    models.TaskExecution.name.in_(
                        self.spec.task(name).requires)))))
            cmds.append(commands.RunTask(
                name, ctx, ({'task_id': task_ex.id, 'event': 'on-success'},)))
        return direct.Transitions(tuple(cmds),
                                  tuple((c.task_name, 'on-success')
                                        for c in cmds))

    def _live_task_names(self, join_name: str) -> set[str]:
        """Tasks that are open or about to start: the sources from which
        the inbound tasks of a join may still be reached."""
        live = set(self.session.scalars(
            sa.select(models.TaskExecution.name).where(
                models.TaskExecution.workflow_execution_id == self.wf_ex.id,
                models.TaskExecution.state.in_(states.INCOMPLETE),
                models.TaskExecution.name != join_name)))
        live.update(c.task_name for c in self._queue
                    if isinstance(c, commands.RunTask))
        live.update(b['task_name'] for b in
                    (self.wf_ex.runtime_context or {}).get('backlog', []))
        return live

    def _run_join(self, cmd: commands.RunTask, spec: TaskSpec) -> None:
        task_ex = self.session.scalars(
            sa.select(models.TaskExecution).where(
                models.TaskExecution.workflow_execution_id == self.wf_ex.id,
                models.TaskExecution.name == spec.name)
            .order_by(models.TaskExecution.created_at.desc())
            .limit(1)).first()
        if task_ex is not None and task_ex.state != states.WAITING:
            # A join runs once per execution: inbound tasks that finish
            # after it started or failed change nothing.
            return
        if task_ex is None:
            task_ex = self._new_task(spec, states.WAITING, {}, ())
        if cmd.triggered_by:
            rc = dict(task_ex.runtime_context or {})
            rc['triggered_by'] = rc.get('triggered_by', []) + list(
                cmd.triggered_by)
            task_ex.runtime_context = rc

        inbound_names = self.spec.inbound[spec.name]
        latest: dict[str, models.TaskExecution] = {}
        for t in self.session.scalars(
                sa.select(models.TaskExecution).where(
                    models.TaskExecution.workflow_execution_id ==
                    self.wf_ex.id,
                    models.TaskExecution.name.in_(inbound_names))
                .order_by(models.TaskExecution.created_at)):
            latest[t.name] = t
        status_by_name = {
            name: (direct.Inbound(
                completed=t.processed,
                fired=any(n == spec.name for n, _ in (t.next_tasks or [])))
                if (t := latest.get(name)) is not None else None)
            for name in inbound_names}
        status = direct.join_status(spec, status_by_name)
        reachable = None
        if status != direct.JOIN_READY:
            # Which inbound tasks that have not triggered it can still run
            # (again, in a loop)?
            reachable = direct.reachable_tasks(
                self.spec, self._live_task_names(spec.name), spec.name)
            status = direct.join_status(spec, status_by_name, reachable)
        if status == direct.JOIN_WAITING:
            task_ex.state_info = (
                f'Blocked by tasks: {direct.blocking_tasks(status_by_name)}')
            return
        if status == direct.JOIN_FAILED:
            failed = direct.dead_inbound(status_by_name, reachable)
            self._complete_task(task_ex, states.ERROR,
                                f'Failed by tasks: {failed}')
            return
        task_ex.in_context = self.merge_outbounds(
            [latest[name] for name in inbound_names
             if name in latest and status_by_name[name].fired])
        self._set_task_state(task_ex, states.RUNNING)
        task_ex.state_info = None
        self._start_task(task_ex, spec)

"""Answers `task()`, `execution()`, `global()` ... from the database.

One instance serves the expressions of one workflow execution inside one
transaction; answers are cached for the life of that transaction.
"""
from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.db import models


def _ts(value) -> str | None:
    return value.strftime('%Y-%m-%d %H:%M:%S') if value else None


def task_results(session: Session,
                 tasks: list[models.TaskExecution]) -> dict[str, Any]:
    """Results of many tasks at once: the accepted action result (or
    sub-workflow output); for with-items, the list of them by index."""
    by_task: dict[str, list[tuple[int, Any]]] = {}
    action_ids = [t.id for t in tasks if t.type != 'WORKFLOW']
    if action_ids:
        for task_id, output, rc in session.execute(
                sa.select(models.ActionExecution.task_execution_id,
                          models.ActionExecution.output,
                          models.ActionExecution.runtime_context)
                .where(models.ActionExecution.task_execution_id.in_(
                    action_ids),
                       models.ActionExecution.accepted.is_(True))
                .order_by(models.ActionExecution.created_at)):
            by_task.setdefault(task_id, []).append(
                ((rc or {}).get('index', 0), (output or {}).get('result')))
    workflow_ids = [t.id for t in tasks if t.type == 'WORKFLOW']
    if workflow_ids:
        for task_id, output, params in session.execute(
                sa.select(models.WorkflowExecution.task_execution_id,
                          models.WorkflowExecution.output,
                          models.WorkflowExecution.params)
                .where(models.WorkflowExecution.task_execution_id.in_(
                    workflow_ids))
                .order_by(models.WorkflowExecution.created_at)):
            by_task.setdefault(task_id, []).append(
                ((params or {}).get('index', 0), output))
    results: dict[str, Any] = {}
    for t in tasks:
        found = by_task.get(t.id, [])
        if 'with_items' in (t.runtime_context or {}):
            results[t.id] = [v for _, v in sorted(found,
                                                  key=lambda x: x[0])]
        else:
            results[t.id] = found[-1][1] if found else None
    return results


def task_result(session: Session, task_ex: models.TaskExecution) -> Any:
    return task_results(session, [task_ex])[task_ex.id]


def task_dict(session: Session, task_ex: models.TaskExecution,
              result: Any = ...) -> dict:
    if result is ...:
        result = task_result(session, task_ex)
    return {
        'id': task_ex.id,
        'name': task_ex.name,
        'spec': task_ex.spec,
        'state': task_ex.state,
        'state_info': task_ex.state_info,
        'result': result,
        'published': task_ex.published or {},
        'type': task_ex.type,
        'workflow_execution_id': task_ex.workflow_execution_id,
        'created_at': _ts(task_ex.created_at),
        'updated_at': _ts(task_ex.updated_at),
    }


def execution_dict(wf_ex: models.WorkflowExecution) -> dict:
    return {
        'id': wf_ex.id,
        'name': wf_ex.name,
        'spec': wf_ex.spec,
        'input': wf_ex.input,
        'params': wf_ex.params,
        'created_at': _ts(wf_ex.created_at),
        'updated_at': _ts(wf_ex.updated_at),
        'root_execution_id': wf_ex.root_execution_id,
    }


class DBLookups:
    """`mistral.expressions.functions.FunctionContext` over one session."""

    def __init__(self, session: Session, wf_ex: models.WorkflowExecution,
                 current_task: models.TaskExecution | None = None,
                 current_result: Callable[[], Any] | None = None) -> None:
        self._session = session
        self._wf_ex = wf_ex
        self._current = current_task
        self._current_result = current_result

    def for_task(self, task_ex: models.TaskExecution,
                 result: Callable[[], Any] | None = None) -> 'DBLookups':
        return DBLookups(self._session, self._wf_ex, task_ex, result)

    def task(self, name: str | None) -> dict | None:
        current = self._current
        if name is None or (current is not None and current.name == name):
            if current is None:
                return None
            result = (self._current_result() if self._current_result
                      else task_result(self._session, current))
            return task_dict(self._session, current, result)
        task_ex = self._session.scalars(
            sa.select(models.TaskExecution)
            .where(models.TaskExecution.workflow_execution_id ==
                   self._wf_ex.id,
                   models.TaskExecution.name == name)
            .order_by(models.TaskExecution.created_at.desc())
            .limit(1)).first()
        return task_dict(self._session, task_ex) if task_ex else None

    def tasks(self, workflow_execution_id: str | None, recursive: bool,
              state: str | None, flat: bool) -> list[dict]:
        """Tasks of an execution; `recursive` adds those of its
        sub-workflows, `flat` keeps action tasks and workflow tasks whose
        state differs from their sub-workflow's."""
        task = models.TaskExecution
        wf_ids = [workflow_execution_id or self._wf_ex.id]
        found: list[models.TaskExecution] = []
        while wf_ids:
            batch = list(self._session.scalars(
                sa.select(task).where(task.workflow_execution_id.in_(wf_ids))
                .order_by(task.created_at)))
            found.extend(batch)
            wf_ids = []
            if recursive:
                wf_ids = list(self._session.scalars(
                    sa.select(models.WorkflowExecution.id).where(
                        models.WorkflowExecution.task_execution_id.in_(
                            [t.id for t in batch if t.type == 'WORKFLOW']))))
        if flat:
            child_states = dict(self._session.execute(
                sa.select(models.WorkflowExecution.task_execution_id,
                          models.WorkflowExecution.state).where(
                    models.WorkflowExecution.task_execution_id.in_(
                        [t.id for t in found if t.type == 'WORKFLOW']))).all())
            found = [t for t in found if t.type != 'WORKFLOW'
                     or child_states.get(t.id) != t.state]
        if state:
            found = [t for t in found if t.state == state]
        results = task_results(self._session, found)
        return [task_dict(self._session, t, results[t.id]) for t in found]

    def execution(self) -> dict:
        return execution_dict(self._wf_ex)

    def executions(self, id: str | None, root_execution_id: str | None,
                   state: str | None, from_time: str | None,
                   to_time: str | None) -> list[dict]:
        query = sa.select(models.WorkflowExecution).where(
            models.WorkflowExecution.project_id == self._wf_ex.project_id)
        if id:
            query = query.where(models.WorkflowExecution.id == id)
        if root_execution_id:
            query = query.where(
                models.WorkflowExecution.root_execution_id ==
                root_execution_id)
        if state:
            query = query.where(models.WorkflowExecution.state == state)
        if from_time:
            query = query.where(
                models.WorkflowExecution.created_at >= from_time)
        if to_time:
            query = query.where(models.WorkflowExecution.created_at < to_time)
        return [execution_dict(w) for w in self._session.scalars(query)]

    def global_var(self, name: str) -> Any:
        return (self._wf_ex.context or {}).get(name)


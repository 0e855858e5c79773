"""Walking a workflow execution and the sub-workflows its tasks started.

Serves `GET /v2/executions/<id>/executions`, `/v2/tasks/<id>/executions`
and `/v2/executions/<id>/report`. Depth follows upstream: the root
execution has depth 0, its tasks depth 1, and a sub-workflow shares the
depth of the task that started it. One query per kind of row per visited
workflow execution, so the work is proportional to the size of the answer.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mistral.db import models
from mistral.workflow import states

WF = models.WorkflowExecution
TASK = models.TaskExecution
ACTION = models.ActionExecution

# How many finished executions of the same workflow `estimated_time`
# averages over.
ESTIMATE_HISTORY = 20


def _beyond(max_depth: int, depth: int) -> bool:
    """A negative max_depth means no limit."""
    return 0 <= max_depth < depth


def _tasks(session: Session, wf_ex_id: str) -> list[models.TaskExecution]:
    return list(session.scalars(
        sa.select(TASK).where(TASK.workflow_execution_id == wf_ex_id)
        .order_by(TASK.created_at, TASK.id)))


def _by_task(session: Session, model, task_ids: list[str]) -> dict:
    """Rows of `model` whose task_execution_id is one of `task_ids`."""
    found: dict[str, list] = {}
    if not task_ids:
        return found
    for row in session.scalars(
            sa.select(model).where(model.task_execution_id.in_(task_ids))
            .order_by(model.created_at, model.id)):
        found.setdefault(row.task_execution_id, []).append(row)
    return found


# -- flat list of sub-executions -------------------------------------------

def sub_executions(session: Session, wf_ex: models.WorkflowExecution,
                   errors_only: bool, max_depth: int
                   ) -> list[models.WorkflowExecution]:
    """`wf_ex` and every execution nested under it, depth first."""
    return _execution_subtree(session, wf_ex, errors_only, max_depth, 0)


def task_sub_executions(session: Session, task_ex: models.TaskExecution,
                        errors_only: bool, max_depth: int
                        ) -> list[models.WorkflowExecution]:
    """The executions `task_ex` started and everything nested under
    them."""
    if errors_only and task_ex.state != states.ERROR:
        return []
    found: list[models.WorkflowExecution] = []
    for child in _by_task(session, WF, [task_ex.id]).get(task_ex.id, []):
        found += _execution_subtree(session, child, errors_only, max_depth,
                                    0)
    return found


def _execution_subtree(session: Session, wf_ex: models.WorkflowExecution,
                       errors_only: bool, max_depth: int,
                       depth: int) -> list[models.WorkflowExecution]:
    if _beyond(max_depth, depth):
        return []
    found = [wf_ex]
    tasks = [t for t in _tasks(session, wf_ex.id)
             if not errors_only or t.state == states.ERROR]
    children = _by_task(session, WF, [t.id for t in tasks])
    for task_ex in tasks:
        for child in children.get(task_ex.id, []):
            found += _execution_subtree(session, child, errors_only,
                                        max_depth, depth + 1)
    return found


# -- report ------------------------------------------------------------------

@dataclass
class Statistics:
    total_tasks_count: int = 0
    running_tasks_count: int = 0
    success_tasks_count: int = 0
    error_tasks_count: int = 0
    idle_tasks_count: int = 0
    paused_tasks_count: int = 0
    estimated_time: int = -1

    _COUNTERS = {
        states.RUNNING: 'running_tasks_count',
        states.SUCCESS: 'success_tasks_count',
        states.ERROR: 'error_tasks_count',
        states.IDLE: 'idle_tasks_count',
        states.PAUSED: 'paused_tasks_count',
    }

    def count(self, task_ex: models.TaskExecution) -> None:
        self.total_tasks_count += 1
        counter = self._COUNTERS.get(task_ex.state)
        if counter:
            setattr(self, counter, getattr(self, counter) + 1)


@dataclass
class TaskNode:
    task: models.TaskExecution
    actions: list[models.ActionExecution] = field(default_factory=list)
    workflows: list['WorkflowNode'] = field(default_factory=list)

    @property
    def retry_count(self) -> int:
        retry = (self.task.runtime_context or {}).get('retry_task_policy')
        return int((retry or {}).get('retry_no', 0))


@dataclass
class WorkflowNode:
    execution: models.WorkflowExecution
    # None when the execution lies deeper than max_depth: it is listed
    # without its tasks.
    tasks: list[TaskNode] | None = None


@dataclass
class Report:
    statistics: Statistics
    root: WorkflowNode | None


def build_report(session: Session, wf_ex: models.WorkflowExecution,
                 errors_only: bool, max_depth: int,
                 now: datetime.datetime,
                 statistics_only: bool = False) -> Report:
    stats = Statistics()
    root = _analyse_workflow(session, wf_ex, stats, errors_only, max_depth,
                             0)
    stats.estimated_time = estimated_time(session, wf_ex, now)
    return Report(stats, None if statistics_only else root)


def _analyse_workflow(session: Session, wf_ex: models.WorkflowExecution,
                      stats: Statistics, errors_only: bool, max_depth: int,
                      depth: int) -> WorkflowNode:
    node = WorkflowNode(wf_ex)
    if _beyond(max_depth, depth):
        return node
    tasks = [t for t in _tasks(session, wf_ex.id)
             if not errors_only or t.state == states.ERROR]
    task_ids = [t.id for t in tasks]
    actions = _by_task(session, ACTION, task_ids)
    children = _by_task(session, WF, task_ids)
    node.tasks = []
    for task_ex in tasks:
        stats.count(task_ex)
        node.tasks.append(TaskNode(
            task_ex, actions.get(task_ex.id, []),
            [_analyse_workflow(session, child, stats, errors_only,
                               max_depth, depth + 1)
             for child in children.get(task_ex.id, [])]))
    return node


def estimated_time(session: Session, wf_ex: models.WorkflowExecution,
                   now: datetime.datetime) -> int:
    """Seconds the execution probably still needs: the average duration of
    the last successful executions of the same workflow minus the time
    already spent; 0 once it has finished, -1 without history."""
    if wf_ex.state in states.COMPLETED:
        return 0
    rows = session.execute(
        sa.select(WF.created_at, WF.updated_at).where(
            WF.workflow_id == wf_ex.workflow_id,
            WF.project_id == wf_ex.project_id,
            WF.state == states.SUCCESS, WF.id != wf_ex.id,
            WF.updated_at.is_not(None))
        .order_by(WF.created_at.desc()).limit(ESTIMATE_HISTORY)).all()
    if not rows:
        return -1
    average = sum((updated - created).total_seconds()
                  for created, updated in rows) / len(rows)
    elapsed = (now - wf_ex.created_at).total_seconds()
    return max(0, round(average - elapsed))

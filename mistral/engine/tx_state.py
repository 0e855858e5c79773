"""What one engine transaction has created, kept in `session.info`.

SQLAlchemy's identity map holds objects weakly: a task that was flushed and
is no longer referenced is forgotten, and the next `session.get()` reads it
back from the database. Keeping the rows created in this transaction here
avoids that, and lets an execution created in this same transaction answer
questions about its tasks from memory: all of them are here. Fewer queries
also mean fewer autoflushes, so inserts and updates go out in batches at
commit. A session lives for one transaction, and so does all of this.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.orm import Session

from mistral.db import models

_EXECUTIONS = 'mistral.new_executions'
_TASKS = 'mistral.new_tasks'
_DEFINITIONS = 'mistral.definitions'

T = TypeVar('T')


def add_execution(session: Session, wf_ex: models.WorkflowExecution) -> None:
    session.add(wf_ex)
    session.info.setdefault(_EXECUTIONS, {})[wf_ex.id] = wf_ex


def add_task(session: Session, task_ex: models.TaskExecution) -> None:
    session.add(task_ex)
    by_id, by_execution = session.info.setdefault(_TASKS, ({}, {}))
    by_id[task_ex.id] = task_ex
    by_execution.setdefault(task_ex.workflow_execution_id, []).append(task_ex)


def get_task(session: Session,
             task_ex_id: str) -> models.TaskExecution | None:
    """A task by id; one created in this transaction without a query
    (`session.get` would flush and select a task not yet flushed)."""
    by_id, _ = session.info.get(_TASKS, ({}, {}))
    found = by_id.get(task_ex_id)
    return found if found is not None else session.get(
        models.TaskExecution, task_ex_id)


def is_new_execution(session: Session, wf_ex_id: str) -> bool:
    return wf_ex_id in session.info.get(_EXECUTIONS, {})


def new_tasks_of(session: Session,
                 wf_ex_id: str) -> list[models.TaskExecution]:
    """The tasks of an execution created in this transaction: all of
    them, since its tasks can only have been created here too."""
    _, by_execution = session.info.get(_TASKS, ({}, {}))
    return list(by_execution.get(wf_ex_id, ()))


def cached(session: Session, key: tuple, load: Callable[[], T]) -> T:
    """`load()` once per transaction (e.g. a workflow definition that a
    with-items task starts as a sub-workflow for every item)."""
    cache = session.info.setdefault(_DEFINITIONS, {})
    if key not in cache:
        cache[key] = load()
    return cache[key]

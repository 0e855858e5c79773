"""What the workflow controller asks the engine to do."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunTask:
    """Start (or, for a join, re-evaluate) task `task_name`."""
    task_name: str
    in_context: dict
    triggered_by: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SetWorkflowState:
    """An engine command in a transition: succeed, fail or pause."""
    state: str
    message: str | None = None
    triggered_by: tuple[dict, ...] = field(default=())


Command = RunTask | SetWorkflowState

"""The reverse-workflow controller: run what the target task requires.

Given `params.task_name`, only the target and the tasks it transitively
requires run, leaves first; a task starts when everything it requires has
succeeded.
"""
from __future__ import annotations

from mistral import exceptions as exc
from mistral.lang.specs import WorkflowSpec
from mistral.workflow import commands


def needed_tasks(spec: WorkflowSpec, target: str | None) -> set[str]:
    if not target:
        raise exc.InputError('Reverse workflow needs params.task_name: the '
                             'task to run')
    if target not in spec.tasks:
        raise exc.InputError(f"Task '{target}' not found in workflow "
                             f"'{spec.name}'")
    needed: set[str] = set()
    stack = [target]
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.add(name)
        stack.extend(spec.task(name).requires)
    return needed


def start_commands(spec: WorkflowSpec,
                   target: str | None) -> list[commands.RunTask]:
    needed = needed_tasks(spec, target)
    return [commands.RunTask(name, {}) for name in spec.tasks
            if name in needed and not spec.task(name).requires]


def ready_after(spec: WorkflowSpec, target: str | None, completed: str,
                succeeded: set[str], started: set[str]) -> list[str]:
    """Tasks that may start now that `completed` succeeded."""
    needed = needed_tasks(spec, target)
    return [name for name in spec.tasks
            if name in needed and name not in started
            and completed in spec.task(name).requires
            and set(spec.task(name).requires) <= succeeded]

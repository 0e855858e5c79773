"""The direct-workflow controller: task outcomes in, commands out.

Pure: it sees the spec, the completed task's state and the data for guard
expressions; the engine loads and stores everything.
"""
from __future__ import annotations

from dataclasses import dataclass

from mistral import expressions
from mistral.lang.specs import OnClause, TaskSpec, WorkflowSpec
from mistral.workflow import commands, states


@dataclass(frozen=True)
class Transitions:
    """The outcome of a completed task's on-* clauses."""
    commands: tuple[commands.Command, ...]
    next_tasks: tuple[tuple[str, str], ...]   # (task or command, event)


def start_commands(spec: WorkflowSpec, context: dict) -> list[commands.RunTask]:
    return [commands.RunTask(name, context) for name in spec.start_tasks]


def _clauses_for(task: TaskSpec, state: str) -> list[tuple[str, OnClause]]:
    out: list[tuple[str, OnClause]] = []
    if state == states.SUCCESS and task.on_success:
        out.append(('on-success', task.on_success))
    elif state == states.ERROR and task.on_error:
        out.append(('on-error', task.on_error))
    elif state == states.SKIPPED:
        out.append(('on-skip', task.on_skip) if task.on_skip
                   else ('on-success', task.on_success))
    if state in (states.SUCCESS, states.ERROR) and task.on_complete:
        out.append(('on-complete', task.on_complete))
    return [(event, c) for event, c in out if c is not None]


def publish_for(task: TaskSpec, state: str) -> tuple[dict, dict]:
    """(branch, global) publish expressions that apply to this outcome.

    More specific wins: on-complete < on-success/on-error < task level.
    """
    branch: dict = {}
    glob: dict = {}
    for _, clause in reversed(_clauses_for(task, state)):
        branch.update(clause.publish or {})
        glob.update(clause.publish_global or {})
    if state == states.SUCCESS:
        branch.update(task.publish or {})
    elif state == states.ERROR:
        branch.update(task.publish_on_error or {})
    elif state == states.SKIPPED:
        branch.update(task.publish_on_skip or {})
    return branch, glob


def _guard_passes(condition, data: dict) -> bool:
    if condition is None:
        return True
    return bool(expressions.evaluate(condition, data))


def transitions(spec: WorkflowSpec, task_name: str, task_ex_id: str,
                state: str, outbound: dict, guard_data: dict) -> Transitions:
    """Commands that follow a completed task, in the order they apply.

    Processing stops after an engine command that ends the workflow. A
    SKIPPED task follows on-skip, or on-success when no on-skip item fired.
    """
    task = spec.task(task_name)
    cmds: list[commands.Command] = []
    fired: list[tuple[str, str]] = []
    clauses = _clauses_for(task, state)
    if state == states.SKIPPED and task.on_skip and task.on_success:
        clauses.append(('on-success', task.on_success))
    for event, clause in clauses:
        if event == 'on-success' and state == states.SKIPPED and \
                any(e == 'on-skip' for _, e in fired):
            continue
        for t in clause.next:
            if not _guard_passes(t.condition, guard_data):
                continue
            name = t.name
            if expressions.has_expressions(name):
                name = str(expressions.evaluate(name, guard_data))
            trigger = ({'task_id': task_ex_id, 'event': event},)
            fired.append((name, event))
            if name in spec.tasks:
                cmds.append(commands.RunTask(name, outbound, trigger))
                continue
            params = expressions.evaluate_recursively(t.params, guard_data)
            msg = params.get('msg')
            if name == 'noop':
                continue
            target = {'fail': states.ERROR, 'succeed': states.SUCCESS,
                      'pause': states.PAUSED}.get(name)
            if target is None:
                cmds.append(commands.SetWorkflowState(
                    states.ERROR, f"Task '{name}' not found.", trigger))
                return Transitions(tuple(cmds), tuple(fired))
            cmds.append(commands.SetWorkflowState(target, msg, trigger))
            if target in states.TERMINAL:
                return Transitions(tuple(cmds), tuple(fired))
    return Transitions(tuple(cmds), tuple(fired))


def is_error_handled(outcome: Transitions) -> bool:
    """An error is handled when an on-error transition was taken."""
    return any(event == 'on-error' for _, event in outcome.next_tasks)


@dataclass(frozen=True)
class Inbound:
    """What a join knows about one of its inbound tasks."""
    completed: bool
    fired: bool   # its transition to the join was taken


JOIN_READY = 'ready'
JOIN_WAITING = 'waiting'
JOIN_FAILED = 'failed'


def reachable_tasks(spec: WorkflowSpec, live: set[str],
                    join_name: str) -> set[str] | None:
    """Tasks that may still run: the live ones (running, delayed, waiting
    or queued) and every task a transition path from them leads to,
    guards ignored. Paths do not go on through the join itself, which
    runs once. None when a reachable task has a transition whose target
    is an expression: then any task may still run.
    """
    seen: set[str] = set()
    stack = [name for name in live if name in spec.tasks]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name == join_name:
            continue
        task = spec.task(name)
        for clause in task.clauses():
            for t in clause.next:
                if t.is_engine_command:
                    continue
                if t.name not in spec.tasks:
                    return None   # a target chosen at run time
                stack.append(t.name)
    return seen


def join_status(task: TaskSpec, inbound: dict[str, Inbound | None],
                reachable: set[str] | None = None) -> str:
    """Ready, still waiting, or never satisfiable, for a join task.

    `inbound` maps every inbound task name to its latest state (None when
    the task has not run yet). Without `reachable`, an inbound task is
    known not to trigger the join only once it completed without doing
    so; with it (see `reachable_tasks`), also when it is not among the
    tasks that may still run.
    """
    total = len(inbound)
    need = total if task.join == 'all' else (1 if task.join == 'one'
                                             else int(task.join))
    fired = sum(1 for s in inbound.values() if s and s.fired)
    if fired >= need:
        return JOIN_READY
    if total - len(dead_inbound(inbound, reachable)) < need:
        return JOIN_FAILED
    return JOIN_WAITING


def dead_inbound(inbound: dict[str, Inbound | None],
                 reachable: set[str] | None = None) -> list[str]:
    """Inbound tasks that will not trigger the join any more."""
    if reachable is None:
        return [n for n, s in inbound.items()
                if s and s.completed and not s.fired]
    return [n for n, s in inbound.items()
            if not (s and s.fired) and n not in reachable]


def blocking_tasks(inbound: dict[str, Inbound | None]) -> list[str]:
    return [n for n, s in inbound.items() if not (s and s.fired)]

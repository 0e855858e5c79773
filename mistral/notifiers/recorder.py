"""Recording events inside the engine's transaction.

The engine calls `workflow_changed` / `task_changed` where states change;
nothing is sent here. An event's state-dependent fields (state,
state_info, started_at, finished_at) are captured just before the same
execution changes state again, or when the transaction ends (`collect`),
so each payload shows the execution as it was right after that change.
Executions without publishers in `params.notify` cost one dict lookup.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from mistral.db import models
from mistral.notifiers import events


@dataclasses.dataclass
class _Pending:
    fields: tuple[str, ...]
    entity: Any
    event: str
    state: str
    publishers: list[dict]
    root_id: str
    timestamp: str | None
    snapshot: dict[str, Any] | None = None

    def close(self, **override: Any) -> None:
        """Capture the state-dependent fields now (once)."""
        if self.snapshot is None:
            self.snapshot = {name: getattr(self.entity, name, None)
                             for name in events.SNAPSHOT_FIELDS
                             if name in self.fields}
            self.snapshot.update(override)
            self.snapshot['state'] = self.state


class Batch:
    """The events of one transaction, in the order they happened."""

    def __init__(self) -> None:
        self.pending: list[_Pending] = []
        self._open: dict[str, _Pending] = {}
        self.collected: list[dict] = []

    def add(self, item: _Pending, closed: dict | None = None) -> None:
        previous = self._open.pop(item.entity.id, None)
        if previous is not None:
            previous.close()
        self.pending.append(item)
        if closed is not None:
            item.close(**closed)
        else:
            self._open[item.entity.id] = item

    def close_open(self, entity_id: str) -> None:
        previous = self._open.pop(entity_id, None)
        if previous is not None:
            previous.close()


def _publishers(wf_ex: models.WorkflowExecution) -> list[dict]:
    return (wf_ex.params or {}).get('notify') or []


def _batch(box: Any) -> Batch:
    if box.notifications is None:
        box.notifications = Batch()
    return box.notifications


def _record(box: Any, wf_ex: models.WorkflowExecution, fields, entity,
            event: str | None, state: str,
            closed: dict | None = None) -> None:
    # Any change, an event or not, ends the entity's previous event.
    if box.notifications is not None:
        box.notifications.close_open(entity.id)
    if event is None:
        return
    wanted = [p for p in _publishers(wf_ex)
              if isinstance(p, dict) and events.wanted_by(p, event)]
    if not wanted:
        return
    _batch(box).add(_Pending(
        fields=fields, entity=entity, event=event, state=state,
        publishers=wanted, root_id=wf_ex.root_execution_id or wf_ex.id,
        timestamp=events.timestamp(models.utcnow())), closed)


def workflow_changed(run: Any, previous: str | None, state: str) -> None:
    """Call before the workflow execution's state becomes `state`."""
    wf_ex = run.wf_ex
    if not _publishers(wf_ex) or previous == state:
        return
    _record(run.outbox, wf_ex, events.WORKFLOW_FIELDS, wf_ex,
            events.workflow_event(previous, state), state)


def task_changed(run: Any, task_ex: models.TaskExecution,
                 previous: str | None, state: str) -> None:
    """Call when a task execution is created or before its state changes."""
    if not _publishers(run.wf_ex) or previous == state:
        return
    _record(run.outbox, run.wf_ex, events.TASK_FIELDS, task_ex,
            events.task_event(previous, state), state)


def task_retried(run: Any, task_ex: models.TaskExecution,
                 state_info: str | None, delay: float | None) -> None:
    """A failed attempt the retry policy runs again: TASK_FAILED for the
    attempt (as OpenStack Mistral reports it), and TASK_LAUNCHED when the
    next attempt starts at once (a delayed one reports it on start)."""
    if not _publishers(run.wf_ex):
        return
    _record(run.outbox, run.wf_ex, events.TASK_FIELDS, task_ex,
            events.TASK_FAILED, 'ERROR',
            closed={'state_info': state_info,
                    'finished_at': models.utcnow()})
    if not delay:
        _record(run.outbox, run.wf_ex, events.TASK_FIELDS, task_ex,
                events.TASK_LAUNCHED, 'RUNNING',
                closed={'state_info': None, 'finished_at': None})


def inherit(parent: models.WorkflowExecution,
            child: models.WorkflowExecution) -> None:
    """Sub-workflows notify the publishers of their parent."""
    notify = (parent.params or {}).get('notify')
    if notify and 'notify' not in (child.params or {}):
        child.params = {**(child.params or {}), 'notify': notify}


def collect(session: Any, box: Any) -> list[dict]:
    """The transaction's events as JSON-ready dicts; call at its end."""
    batch: Batch | None = box.notifications
    if batch is None or not batch.pending:
        return []
    session.flush()  # created_at / updated_at of new rows
    out = []
    for item in batch.pending:
        item.close()
        out.append({
            'ex_id': item.entity.id,
            'event': item.event,
            'timestamp': item.timestamp,
            'root_id': item.root_id,
            'publishers': item.publishers,
            'data': events.payload(item.fields, item.entity, item.snapshot),
        })
    batch.collected = out
    return out

"""Which triggers an event fires (pure: no broker, no database)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Trigger:
    """What the event engine keeps of a stored event trigger."""
    id: str
    name: str
    workflow_id: str
    workflow_input: dict
    workflow_params: dict
    exchange: str
    topic: str
    event: str
    scope: str
    project_id: str

    @classmethod
    def from_row(cls, row) -> 'Trigger':
        return cls(id=row.id, name=row.name or '',
                   workflow_id=row.workflow_id,
                   workflow_input=dict(row.workflow_input or {}),
                   workflow_params=dict(row.workflow_params or {}),
                   exchange=row.exchange, topic=row.topic, event=row.event,
                   scope=row.scope, project_id=row.project_id)


class TriggerIndex:
    """Triggers by event type; immutable, replaced whole on reload."""

    def __init__(self, triggers: Iterable[Trigger]) -> None:
        self.triggers = tuple(triggers)
        self._by_event: dict[str, list[Trigger]] = {}
        for trigger in self.triggers:
            self._by_event.setdefault(trigger.event, []).append(trigger)

    @property
    def bindings(self) -> dict[str, frozenset[str]]:
        """The topics to listen on, by exchange."""
        topics: dict[str, set[str]] = {}
        for trigger in self.triggers:
            topics.setdefault(trigger.exchange, set()).add(trigger.topic)
        return {k: frozenset(v) for k, v in topics.items()}

    def matching(self, exchange: str, event_type: str,
                 project_id: str | None) -> list[Trigger]:
        """Triggers on this exchange for this event type, of the event's
        own project or public. (One queue serves all topics of an
        exchange, so the topic a notification came by is not known.)"""
        return [t for t in self._by_event.get(event_type, ())
                if t.exchange == exchange and
                (t.project_id == project_id or t.scope == 'public')]


def execution_description(trigger: Trigger) -> str:
    return json.dumps({
        'description': "Workflow execution created by event trigger "
                       f"'({trigger.id})'.",
        'triggered_by': {'type': 'event_trigger', 'id': trigger.id,
                         'name': trigger.name},
    })


def workflow_params(trigger: Trigger, event_params) -> dict:
    params = dict(trigger.workflow_params)
    params['event_params'] = event_params
    return params

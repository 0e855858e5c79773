"""Event definitions: how a notification becomes a workflow's
`event_params`.

The definitions file is a YAML list; each entry names the event types it
applies to (shell-style patterns) and the properties to build, whose
values may be YAQL or Jinja expressions over the notification
`{event_type, payload, publisher, timestamp, context}`. When several
entries match, the last one in the file wins. Notifications no entry
matches get `DEFAULT_PROPERTIES`.
"""
from __future__ import annotations

import fnmatch
import logging
import os
from dataclasses import dataclass
from typing import Any

from mistral import exceptions as exc, expressions
from mistral.utils import safe_yaml

LOG = logging.getLogger(__name__)

DEFAULT_PROPERTIES = {
    'service': '<% $.publisher %>',
    'project_id': '<% $.context.project_id %>',
    'user_id': '<% $.context.user_id %>',
    'timestamp': '<% $.timestamp %>',
}


@dataclass(frozen=True)
class EventDefinition:
    event_types: tuple[str, ...]
    properties: dict

    def matches(self, event_type: str) -> bool:
        return any(fnmatch.fnmatchcase(event_type, pattern)
                   for pattern in self.event_types)


def parse(text: str, source: str = 'event definitions') -> \
        list[EventDefinition]:
    """All definitions of a file's text; every problem is named."""
    try:
        data = safe_yaml.load(text)
    except exc.DSLParsingError as e:
        raise exc.ConfigError(f'Invalid event definitions in {source}: {e}')
    if data in ({}, None):
        return []
    if not isinstance(data, list):
        raise exc.ConfigError(f'Invalid event definitions in {source}: '
                              'expected a list of definitions')
    definitions = []
    for i, entry in enumerate(data):
        where = f'{source}, definition {i + 1}'
        if not isinstance(entry, dict):
            raise exc.ConfigError(f'{where}: expected a mapping')
        for key in ('event_types', 'properties'):
            if key not in entry:
                raise exc.ConfigError(
                    f'{where}: required field {key} not specified')
        types = entry['event_types']
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, list) or \
                not all(isinstance(t, str) for t in types):
            raise exc.ConfigError(f'{where}: event_types must be a string '
                                  'or a list of strings')
        if not isinstance(entry['properties'], dict):
            raise exc.ConfigError(f'{where}: properties must be a mapping')
        definitions.append(EventDefinition(tuple(types),
                                           entry['properties']))
    return definitions


class Converter:
    """Turns a notification into the event parameters of a workflow."""

    def __init__(self, definitions: list[EventDefinition]) -> None:
        # Later definitions take precedence.
        self._definitions = list(reversed(definitions))

    @classmethod
    def from_file(cls, path: str) -> 'Converter':
        """A missing file means "default properties for every event"."""
        if not path or not os.path.exists(path):
            LOG.info('No event definitions file %s: events get the default '
                     'properties', path)
            return cls([])
        try:
            with open(path, encoding='utf-8') as f:
                text = f.read()
        except OSError as e:
            raise exc.ConfigError(f'Cannot read event definitions {path}: '
                                  f'{e}')
        return cls(parse(text, path))

    def definition_for(self, event_type: str) -> EventDefinition | None:
        for definition in self._definitions:
            if definition.matches(event_type):
                return definition
        return None

    def convert(self, event: dict[str, Any]) -> Any:
        definition = self.definition_for(event.get('event_type') or '')
        properties = definition.properties if definition else \
            DEFAULT_PROPERTIES
        return expressions.evaluate_recursively(properties, event)

"""Definitions text -> spec objects."""
from __future__ import annotations

import functools
import json

from mistral import exceptions as exc
from mistral.lang.action_specs import ActionSpec, WorkbookSpec
from mistral.lang.specs import WorkflowSpec, field_path
from mistral.utils import safe_yaml

SUPPORTED_VERSION = '2.0'


def load_document(text: str | bytes) -> dict:
    """Parse YAML and check the top-level shape and `version`."""
    data = safe_yaml.load(text)
    if not isinstance(data, dict):
        raise exc.DSLParsingError(
            'Definition must be a YAML mapping, got '
            f'{type(data).__name__}')
    version = data.get('version', SUPPORTED_VERSION)
    if str(version) not in ('2.0', '2'):
        raise exc.DSLParsingError(f'Unsupported DSL version: {version}')
    return data


def with_lines(text: str | bytes, errors: list[str]) -> list[str]:
    """Add the YAML line to each 'path: message' error where it is known."""
    by_path = {field_path('', list(p)): line
               for p, line in safe_yaml.key_lines(text).items()}
    out = []
    for error in errors:
        path, sep, message = error.partition(': ')
        probe = path
        line = None
        while probe and line is None:
            line = by_path.get(probe)
            cut = max(probe.rfind('.'), probe.rfind('['))
            probe = probe[:cut] if cut > 0 else ''
        out.append(f'{error} (line {line})' if line and sep else error)
    return out


def _parse_list(text: str | bytes, build) -> list:
    """`version` plus one or more named items, each built by `build`."""
    data = load_document(text)
    items = {k: v for k, v in data.items() if k != 'version'}
    if not items:
        raise exc.InvalidModelError(
            ['<root>: At least one item must be in the list'])
    errors: list[str] = []
    specs = [build(str(name), raw, errors) for name, raw in items.items()]
    if errors:
        raise exc.InvalidModelError(errors, with_lines(text, errors))
    return specs


def parse_workflows(text: str | bytes) -> list[WorkflowSpec]:
    """A workflow-list document: `version` plus one or more workflows."""
    return _parse_list(text, WorkflowSpec.build)


def workflow_definition(spec: WorkflowSpec) -> str:
    """The YAML text of a single workflow, as stored with its definition."""
    return safe_yaml.dump({'version': SUPPORTED_VERSION, spec.name: spec.raw})


def spec_from_stored(name: str, raw: dict) -> WorkflowSpec:
    """Rebuild a spec from the dict stored with a definition or execution.

    Specs are immutable, so equal definitions share one parsed spec: the
    cache key is the definition itself, never an id that could be reused.
    """
    return _spec_from_json(name, json.dumps(raw, sort_keys=True))


@functools.lru_cache(maxsize=512)
def _spec_from_json(name: str, text: str) -> WorkflowSpec:
    return WorkflowSpec.from_dict(name, json.loads(text))


def parse_actions(text: str | bytes) -> list[ActionSpec]:
    """An action-list document: `version` plus one or more ad-hoc actions."""
    return _parse_list(text, ActionSpec.build)


def parse_workbook(text: str | bytes) -> WorkbookSpec:
    data = load_document(text)
    errors: list[str] = []
    spec = WorkbookSpec.build({k: v for k, v in data.items()
                               if k != 'version'}, errors)
    if errors:
        raise exc.InvalidModelError(errors)
    return spec


def action_definition(spec: ActionSpec) -> str:
    return safe_yaml.dump({'version': SUPPORTED_VERSION, spec.name: spec.raw})

"""Event definitions and trigger matching of the event engine (pure)."""
from __future__ import annotations

import json

import pytest

from mistral import exceptions as exc
from mistral.event_engine import definitions, matching

EVENT = {'event_type': 'compute.instance.create.end',
         'payload': {'instance_id': 'vm-1'}, 'publisher': 'compute.h1',
         'timestamp': '2030-01-01 00:00:00',
         'context': {'project_id': 'p1', 'user_id': 'u1'}}


def test_default_properties_without_definitions():
    converter = definitions.Converter([])
    assert converter.convert(EVENT) == {
        'service': 'compute.h1', 'project_id': 'p1', 'user_id': 'u1',
        'timestamp': '2030-01-01 00:00:00'}


def test_last_matching_definition_wins():
    converter = definitions.Converter(definitions.parse("""
- event_types: compute.*
  properties: {kind: any-compute}
- event_types: [volume.*, compute.instance.*]
  properties:
    kind: instance
    id: <% $.payload.instance_id %>
    who: '{{ _.context.user_id }}'
- event_types: [network.*]
  properties: {kind: network}
"""))
    assert converter.convert(EVENT) == {'kind': 'instance', 'id': 'vm-1',
                                        'who': 'u1'}
    assert converter.convert({**EVENT, 'event_type': 'compute.x'}) == \
        {'kind': 'any-compute'}
    assert converter.convert({**EVENT, 'event_type': 'other'})['service'] \
        == 'compute.h1'


@pytest.mark.parametrize('text, message', [
    ('a: 1', 'expected a list'),
    ('- properties: {}', 'required field event_types'),
    ('- event_types: x', 'required field properties'),
    ('- event_types: [1]\n  properties: {}', 'event_types must be'),
    ('- event_types: x\n  properties: []', 'properties must be a mapping'),
    ('- [', 'Invalid event definitions'),
])
def test_invalid_definitions_are_named(text, message):
    with pytest.raises(exc.ConfigError, match=message):
        definitions.parse(text, 'defs.yaml')


def test_sample_file_is_valid():
    converter = definitions.Converter.from_file(
        'etc/event_definitions.yml.sample')
    assert converter.convert(EVENT)['resource_id'] == 'vm-1'


def trigger(**values) -> matching.Trigger:
    base = dict(id='t1', name='n', workflow_id='w', workflow_input={},
                workflow_params={'env': {'a': 1}}, exchange='nova',
                topic='notifications', event='compute.instance.create.end',
                scope='private', project_id='p1')
    return matching.Trigger(**{**base, **values})


def test_matching_by_exchange_event_and_project():
    own = trigger()
    public = trigger(id='t2', project_id='p2', scope='public')
    foreign = trigger(id='t3', project_id='p2')
    elsewhere = trigger(id='t4', exchange='cinder', topic='n2')
    index = matching.TriggerIndex([own, public, foreign, elsewhere])
    assert index.bindings == {'nova': frozenset({'notifications'}),
                              'cinder': frozenset({'n2'})}
    event = 'compute.instance.create.end'
    assert index.matching('nova', event, 'p1') == [own, public]
    assert index.matching('nova', event, 'p2') == [public, foreign]
    assert index.matching('nova', event, 'p3') == [public]
    assert index.matching('nova', 'other.event', 'p1') == []
    assert index.matching('cinder', event, 'p1') == [elsewhere]


def test_execution_description_and_params():
    t = trigger()
    assert json.loads(matching.execution_description(t)) == {
        'description': "Workflow execution created by event trigger "
                       "'(t1)'.",
        'triggered_by': {'type': 'event_trigger', 'id': 't1', 'name': 'n'}}
    assert matching.workflow_params(t, {'x': 1}) == {
        'env': {'a': 1}, 'event_params': {'x': 1}}
    # The trigger's own params are not changed.
    assert t.workflow_params == {'env': {'a': 1}}

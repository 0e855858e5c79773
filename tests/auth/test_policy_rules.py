"""Which policy rules a request must pass (mistral.api.policy.rules_for),
and the generated etc/policy.yaml.sample. No Keystone needed."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from mistral import policies
from mistral.api.policy import rules_for

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize('method, path, query, body_scope, expected', [
    ('GET', '/v2/workflows', {}, None, ['workflows:list']),
    ('GET', '/v2/workflows/', {'all_projects': 'true'}, None,
     ['workflows:list', 'workflows:list:all_projects']),
    ('GET', '/v2/workflows/abc', {}, None, ['workflows:get']),
    ('POST', '/v2/workflows', {'scope': 'public'}, None,
     ['workflows:create', 'workflows:publicize']),
    ('PUT', '/v2/workflows', {}, None, ['workflows:update']),
    ('POST', '/v2/workflows/validate', {}, None, []),
    ('POST', '/v2/environments', {}, 'public',
     ['environments:create', 'environments:publicize']),
    ('DELETE', '/v2/executions/x', {}, None, ['executions:delete']),
    ('GET', '/v2/executions/x/tasks', {}, None, ['tasks:list']),
    ('GET', '/v2/tasks/x/action_executions', {}, None,
     ['action_executions:list']),
    ('GET', '/v2/executions/x/report', {}, None, ['executions:get']),
    ('GET', '/v2/workflows/x/members', {}, None, ['members:list']),
    ('GET', '/v2/workflows/x/members/p', {}, None, ['members:get']),
    ('PUT', '/v2/workflows/x/members/p', {}, None, ['members:update']),
    ('PUT', '/v2/maintenance', {}, None, ['maintenance:update']),
    ('GET', '/v2/maintenance', {}, None, []),
    ('GET', '/v2', {}, None, []),
])
def test_rules_for_requests(method, path, query, body_scope, expected):
    assert rules_for(method, path, query, body_scope) == expected


def test_every_rule_a_request_maps_to_is_defined():
    names = {r.name for r in policies.list_rules()}
    for resource in ('workbooks', 'workflows', 'actions', 'executions',
                     'action_executions', 'environments', 'event_triggers',
                     'code_sources', 'dynamic_actions'):
        for method in ('GET', 'POST', 'DELETE'):
            for rule in rules_for(method, f'/v2/{resource}/x', {}, None):
                assert rule in names


def test_policy_sample_is_up_to_date(tmp_path):
    fresh = tmp_path / 'policy.yaml.sample'
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent /
             'oslopolicy-sample-generator'),
         '--config-file',
         str(ROOT / 'tools' / 'config' / 'policy-generator.mistral.conf'),
         '--output-file', str(fresh)], check=True, cwd=ROOT, timeout=60)
    assert fresh.read_text() == \
        (ROOT / 'etc' / 'policy.yaml.sample').read_text(), (
        'etc/policy.yaml.sample is out of date; regenerate it with '
        '.venv/bin/oslopolicy-sample-generator --config-file '
        'tools/config/policy-generator.mistral.conf')

"""The registration step of the devstack plugin (devstack/plugin.sh,
`create_mistral_accounts`) run with python-openstackclient against the
test Keystone. The other steps (install, configure, database, start) need
devstack itself and are not run here."""
from __future__ import annotations

import os
import subprocess

import requests

from tests.auth.conftest import KEYSTONE_VENV, ROOT

REGION = 'RegionDevstack'  # apart from the endpoints other tests register


def test_plugin_registers_mistral_in_keystone(keystone):
    keystone.admin_call('POST', '/regions', {'region': {'id': REGION}})
    admin = keystone.credentials('admin')
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update({
        'PATH': f"{KEYSTONE_VENV / 'bin'}:{env.get('PATH', '')}",
        'OS_AUTH_URL': keystone.auth_url, 'OS_IDENTITY_API_VERSION': '3',
        'OS_USERNAME': admin['username'], 'OS_PASSWORD': admin['password'],
        'OS_PROJECT_NAME': admin['project'],
        'OS_USER_DOMAIN_ID': 'default', 'OS_PROJECT_DOMAIN_ID': 'default',
        'MISTRAL_SERVICE_PASSWORD': 'mistral-secret',
        'MISTRAL_SERVICE_HOST': '127.0.0.1', 'MISTRAL_SERVICE_PORT': '8123',
        'MISTRAL_REGION': REGION, 'MISTRAL_PLUGIN_LIBRARY': '1',
    })
    done = subprocess.run(
        ['bash', '-c', 'set -euo pipefail; source devstack/plugin.sh; '
                       'create_mistral_accounts'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    # The service user can log in to the service project ...
    login = requests.post(f'{keystone.auth_url}/auth/tokens', json={
        'auth': {'identity': {'methods': ['password'], 'password': {
            'user': {'name': 'mistral', 'domain': {'id': 'default'},
                     'password': 'mistral-secret'}}},
            'scope': {'project': {'name': 'service',
                                  'domain': {'id': 'default'}}}}},
        timeout=30)
    assert login.status_code == 201, login.text
    token = login.json()['token']
    assert 'service' in [r['name'] for r in token['roles']]
    # ... and its catalog has Mistral's three endpoints in the region.
    endpoints = {(e['interface'], e['url'])
                 for s in token['catalog'] if s['type'] == 'workflowv2'
                 for e in s['endpoints'] if e['region_id'] == REGION}
    url = 'http://127.0.0.1:8123/v2'
    assert endpoints == {('public', url), ('internal', url), ('admin', url)}

"""/info, /healthcheck and maintenance mode (/v2/maintenance, 423)."""
from __future__ import annotations

import json
import pathlib
import uuid

import pytest
import requests
import webob

from mistral import config
from mistral.api.app import build_app
from mistral.api.services import ApiServices
from mistral.db.store import Store
from tests.server import (create_workflows, start_execution,
                          wait_for_execution, wait_for_state, wait_until,
                          write_config)

LOCKED = 'Current Mistral state is PAUSED. Method is not allowed'


def fault(resp: requests.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text)
    return resp.json()['faultstring']


# -- /info and /healthcheck --------------------------------------------------

def test_info_is_disabled_by_default(server) -> None:
    resp = requests.get(f'{server.url}/info', timeout=5)
    assert fault(resp, 400) == 'Info endpoint disabled.'


def test_healthcheck_is_off_by_default(server) -> None:
    resp = requests.get(f'{server.url}/healthcheck', timeout=5)
    assert 'not found' in fault(resp, 404).lower()


def in_process_app(tmp_path: pathlib.Path, sections: dict):
    """The API application built from a config file, as the composition
    roots build it (`build_app(..., conf=conf)`)."""
    conf_file = write_config(tmp_path / 'mistral.conf', sections)
    conf = config.build_config([], default_config_files=[str(conf_file)])
    store = Store.from_url(f'sqlite:///{tmp_path}/info.sqlite')
    return build_app(ApiServices(store=store, engine=None), conf=conf)


def call(app, path: str, method: str = 'GET') -> webob.Response:
    return webob.Request.blank(path, method=method).get_response(app)


def test_info_serves_the_json_file(tmp_path) -> None:
    info = tmp_path / 'info.json'
    info.write_text(json.dumps({'version': '1.2.3', 'build': {'n': 7}}))
    app = in_process_app(tmp_path, {'api': {
        'enable_info_endpoint': True, 'info_json_file_path': str(info)}})
    resp = call(app, '/info')
    assert resp.status_code == 200, resp.text
    assert resp.json == {'version': '1.2.3', 'build': {'n': 7}}


def test_info_file_problems_are_400(tmp_path) -> None:
    app = in_process_app(tmp_path, {'api': {
        'enable_info_endpoint': True,
        'info_json_file_path': str(tmp_path / 'missing.json')}})
    resp = call(app, '/info')
    assert resp.status_code == 400
    assert resp.json['faultstring'] == 'Incorrect path to info json file.'
    broken = tmp_path / 'broken.json'
    broken.write_text('{not json')
    app = in_process_app(tmp_path, {'api': {
        'enable_info_endpoint': True, 'info_json_file_path': str(broken)}})
    resp = call(app, '/info')
    assert resp.status_code == 400
    assert 'not valid JSON' in resp.json['faultstring']


def test_info_disabled_in_process(tmp_path) -> None:
    app = in_process_app(tmp_path, {})
    resp = call(app, '/info')
    assert resp.status_code == 400
    assert resp.json['faultstring'] == 'Info endpoint disabled.'


def test_healthcheck_when_enabled(tmp_path) -> None:
    app = in_process_app(tmp_path, {'healthcheck': {'enabled': True}})
    resp = call(app, '/healthcheck')
    assert resp.status_code == 200
    assert resp.text == 'OK'
    assert resp.content_type == 'text/plain'
    assert call(app, '/healthcheck', 'HEAD').status_code == 200
    disabled = in_process_app(tmp_path, {})
    assert call(disabled, '/healthcheck').status_code == 404


# -- maintenance --------------------------------------------------------------

def set_status(url: str, status: str) -> requests.Response:
    return requests.put(url, json={'status': status}, timeout=5)


@pytest.fixture
def paused(api):
    """The service in maintenance (PAUSED) for one test; RUNNING after."""
    resp = set_status(f'{api}/maintenance', 'PAUSED')
    assert resp.status_code == 200, resp.text
    wait_until(lambda: requests.get(f'{api}/maintenance', timeout=5).json()
               == {'status': 'PAUSED'}, 10, message='maintenance PAUSED')
    yield
    resp = set_status(f'{api}/maintenance', 'RUNNING')
    assert resp.status_code == 200, resp.text


def test_status_defaults_to_running(api, server) -> None:
    for url in (f'{api}/maintenance', f'{server.url}/maintenance'):
        resp = requests.get(url, timeout=5)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {'status': 'RUNNING'}


def test_change_status(api, server) -> None:
    resp = set_status(f'{api}/maintenance', 'PAUSED')
    assert resp.status_code == 200, resp.text
    # PAUSING until the engine has paused every running execution.
    assert resp.json() == {'status': 'PAUSING'}
    try:
        wait_until(lambda: requests.get(f'{api}/maintenance',
                                        timeout=5).json() ==
                   {'status': 'PAUSED'}, 10, message='maintenance PAUSED')
        # Same resource under upstream's path.
        assert requests.get(f'{server.url}/maintenance',
                            timeout=5).json() == {'status': 'PAUSED'}
    finally:
        resp = set_status(f'{server.url}/maintenance', 'RUNNING')
    assert resp.status_code == 200, resp.text
    assert requests.get(f'{api}/maintenance', timeout=5).json() == \
        {'status': 'RUNNING'}


@pytest.mark.parametrize('body', [{'status': 'SLEEPING'}, {'status': ''},
                                  {}, {'status': 'PAUSED', 'x': 1}])
def test_invalid_status_is_400(api, body) -> None:
    resp = requests.put(f'{api}/maintenance', json=body, timeout=5)
    fault(resp, 400)
    assert requests.get(f'{api}/maintenance', timeout=5).json() == \
        {'status': 'RUNNING'}


def test_changes_are_locked_while_paused(api, uniq, paused) -> None:
    wf = f"""version: '2.0'
locked_{uniq}:
  tasks:
    t:
      action: std.noop
"""
    resp = requests.post(f'{api}/workflows', data=wf,
                         headers={'Content-Type': 'text/plain'}, timeout=5)
    assert fault(resp, 423) == LOCKED
    assert resp.headers['Server-Error-Message'] == LOCKED
    resp = requests.post(f'{api}/environments',
                         json={'name': f'e_{uniq}', 'variables': {}},
                         timeout=5)
    assert fault(resp, 423) == LOCKED
    resp = requests.delete(f'{api}/workflows/anything', timeout=5)
    assert fault(resp, 423) == LOCKED
    resp = requests.put(f'{api}/executions/{uuid.uuid4()}',
                        json={'state': 'PAUSED'}, timeout=5)
    assert fault(resp, 423) == LOCKED
    # Reading still works.
    assert requests.get(f'{api}/workflows', timeout=5).status_code == 200
    assert requests.get(f'{api}/executions', timeout=5).status_code == 200


def test_cancel_and_complete_actions_while_paused(api, uniq) -> None:
    name = f'slow_{uniq}'
    create_workflows(api, f"""version: '2.0'
{name}:
  tasks:
    nap:
      action: std.sleep seconds=3
""")
    ex = start_execution(api, name)
    wait_for_state(api, ex['id'], {'RUNNING'})
    assert set_status(f'{api}/maintenance', 'PAUSED').status_code == 200
    try:
        # Completing action executions goes through (here: one that does
        # not exist, so the answer is the ordinary 404).
        resp = requests.put(f'{api}/action_executions/{uuid.uuid4()}',
                            json={'state': 'SUCCESS', 'output': 1},
                            timeout=5)
        assert resp.status_code == 404, resp.text
        # Cancelling an execution goes through.
        resp = requests.put(f'{api}/executions/{ex["id"]}',
                            json={'state': 'CANCELLED'}, timeout=10)
        assert resp.status_code == 200, resp.text
    finally:
        assert set_status(f'{api}/maintenance', 'RUNNING').status_code == 200
    assert wait_for_execution(api, ex['id'])['state'] == 'CANCELLED'
    # Back to RUNNING: changes are accepted again.
    resp = requests.post(f'{api}/environments',
                         json={'name': f'after_{uniq}', 'variables': {}},
                         timeout=5)
    assert resp.status_code == 201, resp.text

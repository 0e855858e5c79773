"""GET / and /v2, and the error shape of requests no controller takes."""
from __future__ import annotations

import requests


def test_root_lists_v2(server) -> None:
    resp = requests.get(f'{server.url}/', timeout=5)
    assert resp.status_code == 200
    assert resp.headers['Content-Type'].startswith('application/json')
    assert resp.json() == {'versions': [{
        'id': 'v2.0', 'status': 'CURRENT',
        'links': [{'href': f'{server.url}/v2', 'target': 'v2',
                   'rel': 'self'}],
    }]}


def test_v2_index(server) -> None:
    for path in ('/v2', '/v2/'):
        resp = requests.get(f'{server.url}{path}', timeout=5)
        assert resp.status_code == 200, path
        assert resp.json() == {'uri': f'{server.url}/v2'}


def test_unknown_path_is_404_with_json_faultstring(api) -> None:
    for method, path in (('GET', '/nope'), ('POST', '/nope/deeper'),
                         ('DELETE', '/no_such_resource/1')):
        resp = requests.request(method, f'{api}{path}', timeout=5)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.headers['Content-Type'].startswith('application/json')
        body = resp.json()
        assert isinstance(body, dict)
        assert body['faultstring'], body
        assert body['faultcode'] == 'Client'


def test_xml_body_is_415(api) -> None:
    for path in ('/executions', '/workflows'):
        resp = requests.post(f'{api}{path}', data='<workflow/>',
                             headers={'Content-Type': 'application/xml'},
                             timeout=5)
        assert resp.status_code == 415, (path, resp.text)
        assert 'XML' in resp.json()['faultstring']
    resp = requests.get(f'{api}/executions', timeout=5)
    assert resp.status_code == 200

"""Run a throwaway Keystone on 127.0.0.1 for tests and local trials.

Run it with the Python of the Keystone virtualenv (tools/keystone/setup.sh):

    .keystone-venv/bin/python tools/keystone/run.py --workdir DIR --port PORT

It writes DIR/keystone.conf (SQLite, fernet tokens), creates the schema
and keys, bootstraps an admin, then serves the public API and creates two
member projects with one user each. When everything is usable it writes
DIR/ready.json (URLs, names, passwords, an expired token) and keeps serving
until it is terminated.

This file only uses the standard library and Keystone itself, so it runs in
Keystone's virtualenv, not Mistral's.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from wsgiref import simple_server

ADMIN_PASSWORD = 'admin-secret'
REGION = 'RegionOne'
# Two ordinary projects, each with one user holding the "member" role.
MEMBERS = {
    'alpha': ('alice', 'alice-secret'),
    'beta': ('bob', 'bob-secret'),
}

CONF_TEMPLATE = """\
[DEFAULT]
use_stderr = true
debug = false

[database]
connection = sqlite:///{workdir}/keystone.sqlite

[token]
provider = fernet
expiration = 7200

[fernet_tokens]
key_repository = {workdir}/fernet-keys

[fernet_receipts]
key_repository = {workdir}/fernet-keys

[credential]
key_repository = {workdir}/credential-keys

[identity]
# Tests log in a few dozen times: the cheapest bcrypt cost keeps that fast.
password_hash_rounds = 4

[cache]
enabled = false
"""


def write_config(workdir: str) -> str:
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, 'keystone.conf')
    with open(path, 'w') as f:
        f.write(CONF_TEMPLATE.format(workdir=workdir))
    return path


def manage(conf: str, *commands: list[str]) -> None:
    """Run keystone-manage `commands` from this virtualenv against `conf`,
    at the same time (each one spends seconds importing Keystone)."""
    started = time.monotonic()
    binary = os.path.join(os.path.dirname(sys.executable), 'keystone-manage')
    procs = [subprocess.Popen([binary, '--config-file', conf, *args],
                              stdout=subprocess.DEVNULL)
             for args in commands]
    for args, proc in zip(commands, procs):
        if proc.wait(timeout=300) != 0:
            raise RuntimeError(f'keystone-manage {args[0]} failed')
    names = ', '.join(args[0] for args in commands)
    log(f'keystone-manage {names}: {time.monotonic() - started:.1f} s')


def log(message: str) -> None:
    print(f'[keystone] {message}', file=sys.stderr, flush=True)


def prepare(workdir: str, url: str) -> str:
    conf = write_config(workdir)
    user = ['--keystone-user', str(os.getuid()),
            '--keystone-group', str(os.getgid())]
    # The key repositories do not touch the database.
    manage(conf, ['db_sync'], ['fernet_setup', *user],
           ['credential_setup', *user])
    manage(conf, ['bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                  '--bootstrap-region-id', REGION,
                  '--bootstrap-public-url', url,
                  '--bootstrap-internal-url', url,
                  '--bootstrap-admin-url', url])
    return conf


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args) -> None:  # one line per request is noise
        pass


def load_application(conf: str):
    """Keystone's public WSGI app. Keystone parses the command line of the
    process that loads it, so ours must not reach it."""
    os.environ['OS_KEYSTONE_CONFIG_FILES'] = conf
    sys.argv = sys.argv[:1]
    from keystone.server import wsgi
    return wsgi.initialize_public_application()


class Client:
    """The few identity API calls seeding needs (standard library only)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data,
                                         method=method)
        request.add_header('Content-Type', 'application/json')
        if self.token:
            request.add_header('X-Auth-Token', self.token)
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response, (json.loads(payload) if payload else None)

    def login(self, user: str, password: str, project: str) -> str:
        response, _ = self.call('POST', '/v3/auth/tokens', auth_body(
            user, password, project))
        return response.headers['X-Subject-Token']

    def find(self, kind: str, name: str) -> str:
        _, body = self.call('GET', f'/v3/{kind}?name={name}')
        return body[kind][0]['id']


def auth_body(user: str, password: str, project: str) -> dict:
    return {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': user, 'domain': {'id': 'default'},
            'password': password}}},
        'scope': {'project': {'name': project,
                              'domain': {'id': 'default'}}}}}


def wait_ready(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url + '/v3', timeout=5):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise RuntimeError(f'Keystone at {url} did not answer')
            time.sleep(0.1)


def seed(client: Client) -> None:
    """Two member projects with a user each; the admin gets a project of
    its own too (bootstrap made project "admin")."""
    client.token = client.login('admin', ADMIN_PASSWORD, 'admin')
    member_role = client.find('roles', 'member')
    for project, (user, password) in MEMBERS.items():
        _, body = client.call('POST', '/v3/projects', {'project': {
            'name': project, 'domain_id': 'default'}})
        project_id = body['project']['id']
        _, body = client.call('POST', '/v3/users', {'user': {
            'name': user, 'password': password, 'domain_id': 'default',
            'default_project_id': project_id}})
        client.call('PUT', f'/v3/projects/{project_id}/users/'
                           f'{body["user"]["id"]}/roles/{member_role}')


def expired_token(user_id: str, project_id: str) -> str:
    """A token signed with this Keystone's real keys but already expired,
    so "expired" is tested rather than merely "unknown"."""
    from keystone.token import token_formatters
    expires = (datetime.datetime.now(datetime.timezone.utc) -
               datetime.timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    formatter = token_formatters.TokenFormatter()
    return formatter.create_token(
        user_id, expires, ['YWJjZGVmZ2hpams'],
        token_formatters.ProjectScopedPayload, methods=['password'],
        project_id=project_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--port', type=int, required=True)
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    url = f'http://127.0.0.1:{args.port}'
    started = time.monotonic()

    conf = prepare(workdir, url)
    app = load_application(conf)
    server = simple_server.make_server('127.0.0.1', args.port, app,
                                       server_class=_ThreadingServer,
                                       handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wait_ready(url, time.monotonic() + 60)

    client = Client(url)
    seed(client)
    alice_id = client.find('users', MEMBERS['alpha'][0])
    alpha_id = client.find('projects', 'alpha')
    info = {
        'auth_url': url + '/v3',
        'region': REGION,
        'admin': {'username': 'admin', 'password': ADMIN_PASSWORD,
                  'project': 'admin'},
        'members': {project: {'username': user, 'password': password,
                              'project': project}
                    for project, (user, password) in MEMBERS.items()},
        'expired_token': expired_token(alice_id, alpha_id),
        'setup_seconds': round(time.monotonic() - started, 1),
    }
    ready = os.path.join(workdir, 'ready.json')
    with open(ready + '.tmp', 'w') as f:
        json.dump(info, f)
    os.replace(ready + '.tmp', ready)
    log(f'ready at {url} in {info["setup_seconds"]} s')
    threading.Event().wait()


if __name__ == '__main__':
    main()

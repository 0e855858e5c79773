"""std.ssh, std.ssh_proxied and std.wait_ssh against a real SSH server on
127.0.0.1 (tests/actions/ssh_server.py)."""
from __future__ import annotations

import io
import sys

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from mistral import exceptions as exc
from mistral.actions.std_ssh import (SSHAction, SSHProxiedAction,
                                     WaitSSHAction, split_host)
from tests.actions.conftest import action_context
from tests.server import free_port


@pytest.fixture(scope='module')
def key_text(ssh_server) -> str:
    """An Ed25519 private key (OpenSSH text) the server accepts."""
    key = ed25519.Ed25519PrivateKey.generate()
    text = key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption()).decode()
    ssh_server.authorized_keys.append(
        paramiko.Ed25519Key.from_private_key(io.StringIO(text)))
    return text


def run(action):
    return action.run(action_context())


def test_split_host():
    assert split_host('example.org') == ('example.org', 22)
    assert split_host('example.org:2222') == ('example.org', 2222)
    assert split_host('[::1]:2200') == ('::1', 2200)
    assert split_host('::1') == ('::1', 22)


def test_password_login_returns_stdout(ssh_server):
    out = run(SSHAction(cmd='echo hello; echo oops >&2',
                        host=ssh_server.address, username='tester',
                        password='secret'))
    assert out == 'hello\n'


def test_list_of_hosts_gives_a_list_of_results(ssh_server):
    out = run(SSHAction(cmd='echo hi', host=[ssh_server.address] * 2,
                        username='tester', password='secret'))
    assert out == ['hi\n', 'hi\n']


def test_non_zero_exit_fails_unless_results_are_wanted(ssh_server):
    cmd = 'echo partial; echo bad >&2; exit 3'
    with pytest.raises(exc.ActionError,
                       match=f"Failed to execute ssh cmd '{cmd}' on "
                             f"{ssh_server.address}"):
        run(SSHAction(cmd=cmd, host=ssh_server.address, username='tester',
                      password='secret'))
    result = run(SSHAction(cmd=cmd, host=ssh_server.address,
                           username='tester', password='secret',
                           return_result_on_error=True))
    assert result == {'stdout': 'partial\n', 'stderr': 'bad\n',
                      'exit_code': 3}


def test_wrong_password_and_unreachable_host_fail_without_secrets(
        ssh_server):
    with pytest.raises(exc.ActionError, match='Failed to execute ssh cmd') \
            as caught:
        run(SSHAction(cmd='true', host=ssh_server.address, username='tester',
                      password='not-it'))
    assert 'not-it' not in str(caught.value)
    with pytest.raises(exc.ActionError, match='Failed to execute ssh cmd'):
        run(SSHAction(cmd='true', host=f'127.0.0.1:{free_port()}',
                      username='tester', password='secret'))


def test_private_key_as_text_and_as_file(ssh_server, key_text, tmp_path):
    assert run(SSHAction(cmd='echo key', host=ssh_server.address,
                         username='tester', private_key=key_text)) == 'key\n'
    key_file = tmp_path / 'id_test'
    key_file.write_text(key_text)
    assert run(SSHAction(cmd='echo file', host=ssh_server.address,
                         username='tester',
                         private_key_filename=str(key_file))) == 'file\n'
    with pytest.raises(exc.ActionError, match="must not contain '..'"):
        run(SSHAction(cmd='true', host=ssh_server.address, username='tester',
                      private_key_filename='../id_rsa'))


def test_proxied_through_a_gateway(ssh_server, key_text):
    before = len(ssh_server.forwarded)
    out = run(SSHProxiedAction(cmd='echo via-gateway',
                               host=ssh_server.address, username='tester',
                               private_key_filename=None,
                               private_key=key_text,
                               gateway_host=ssh_server.address))
    assert out == 'via-gateway\n'
    assert ssh_server.forwarded[before:] == [('127.0.0.1', ssh_server.port)]


def test_proxied_with_a_proxy_command(ssh_server, key_text, tmp_path):
    # A relay between stdin/stdout and the gateway's port, as `nc` does.
    relay = tmp_path / 'relay.py'
    relay.write_text(
        'import socket, sys, threading\n'
        f'sock = socket.create_connection(("127.0.0.1", {ssh_server.port}))\n'
        'def up():\n'
        '    while data := sys.stdin.buffer.read1(65536):\n'
        '        sock.sendall(data)\n'
        'threading.Thread(target=up, daemon=True).start()\n'
        'while data := sock.recv(65536):\n'
        '    sys.stdout.buffer.write(data); sys.stdout.buffer.flush()\n')
    out = run(SSHProxiedAction(cmd='echo proxied', host=ssh_server.address,
                               username='tester', private_key_filename=None,
                               private_key=key_text,
                               gateway_host='gateway.invalid',
                               proxy_command=f'{sys.executable} {relay}'))
    assert out == 'proxied\n'


def test_wait_ssh_runs_ls(ssh_server):
    before = len(ssh_server.commands)
    out = run(WaitSSHAction(host=ssh_server.address, username='tester',
                            password='secret'))
    assert isinstance(out, str)
    assert ssh_server.commands[before:] == ['ls -l']

"""std.ssh, std.ssh_proxied and std.wait_ssh: run a command over SSH.

Like upstream, host keys are not verified (any key is accepted). `host`
may carry a port ("host:2222", "[::1]:2222"); the default port is 22.
"""
from __future__ import annotations

import io
import logging
import os
import socket
from typing import Any

import paramiko

from mistral import exceptions as exc
from mistral_lib import actions

LOG = logging.getLogger(__name__)

KEY_DIR = '~/.ssh'
CONNECT_TIMEOUT_S = 30
KEY_CLASSES = (paramiko.RSAKey, paramiko.ECDSAKey, paramiko.Ed25519Key)


def split_host(host: str, default_port: int = 22) -> tuple[str, int]:
    """'h', 'h:p', '[v6]:p' or a bare IPv6 address -> (host, port)."""
    host = str(host).strip()
    if host.startswith('['):
        name, _, rest = host[1:].partition(']')
        return name, int(rest[1:]) if rest.startswith(':') else default_port
    if host.count(':') == 1:
        name, port = host.split(':')
        return name, int(port)
    return host, default_port


def load_private_key(filename: str | None, text: str | None,
                     password: str | None) -> paramiko.PKey | None:
    """The key from its text or from a file (relative names are looked up
    in ~/.ssh of the executor's user); None if neither is given."""
    if not filename and not text:
        return None
    path = None
    if filename:
        if '..' in filename.replace('\\', '/').split('/'):
            raise exc.ActionError(
                f"Private key filename must not contain '..': {filename}")
        path = filename if os.path.isabs(filename) else os.path.join(
            os.path.expanduser(KEY_DIR), filename)
    error: Exception | None = None
    for key_class in KEY_CLASSES:
        try:
            if text:
                return key_class.from_private_key(io.StringIO(text),
                                                  password=password or None)
            return key_class.from_private_key_file(path,
                                                   password=password or None)
        except (OSError, paramiko.SSHException) as e:
            error = e
    raise exc.ActionError(f'Cannot load the private key: {error}')


def _client() -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    return client


def _connect(host: str, username: str, password: str | None,
             pkey: paramiko.PKey | None, sock: Any = None
             ) -> paramiko.SSHClient:
    name, port = split_host(host)
    client = _client()
    client.connect(name, port=port, username=username,
                   password=password or None, pkey=pkey, sock=sock,
                   timeout=CONNECT_TIMEOUT_S, allow_agent=False,
                   look_for_keys=False)
    return client


def run_command(client: paramiko.SSHClient, cmd: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of cmd."""
    channel = client.get_transport().open_session()
    try:
        channel.exec_command(cmd)
        # Read both streams together so a full stderr buffer cannot stall
        # the command while we wait on stdout.
        stdout, stderr = bytearray(), bytearray()
        while True:
            got = False
            if channel.recv_ready():
                stdout.extend(channel.recv(65536))
                got = True
            if channel.recv_stderr_ready():
                stderr.extend(channel.recv_stderr(65536))
                got = True
            if not got:
                if channel.exit_status_ready() and \
                        not channel.recv_ready() and \
                        not channel.recv_stderr_ready():
                    break
                channel.status_event.wait(0.05)
        # Whatever arrived between the last read and the end of streams.
        for receive, buffer in ((channel.recv, stdout),
                                (channel.recv_stderr, stderr)):
            while chunk := receive(65536):
                buffer.extend(chunk)
        code = channel.recv_exit_status()
        return (code, stdout.decode('utf-8', errors='replace'),
                stderr.decode('utf-8', errors='replace'))
    finally:
        channel.close()


class SSHAction(actions.Action):
    """Runs a command over SSH on one host or on each of a list of hosts."""

    def __init__(self, cmd: str, host: Any, username: str,
                 password: str = '', private_key_filename: str | None = None,
                 private_key: str | None = None,
                 return_result_on_error: bool = False) -> None:
        self.cmd = cmd
        self.host = host
        self.username = username
        self.password = password
        self.private_key_filename = private_key_filename
        self.private_key = private_key
        self.return_result_on_error = return_result_on_error

    def _open(self, host: str) -> tuple[paramiko.SSHClient, list]:
        """A connected client and what else to close afterwards."""
        pkey = load_private_key(self.private_key_filename, self.private_key,
                                self.password)
        return _connect(host, self.username, self.password, pkey), []

    def _run_on(self, host: str) -> Any:
        failure = f"Failed to execute ssh cmd '{self.cmd}' on {host}"
        closers: list = []
        try:
            client, closers = self._open(host)
            closers.insert(0, client)
            code, stdout, stderr = run_command(client, self.cmd)
        except exc.ActionError:
            raise
        except (paramiko.SSHException, OSError, socket.error, ValueError,
                EOFError) as e:
            # The details may hold credentials; they go to the log only.
            LOG.warning('%s: %s', failure, e)
            raise exc.ActionError(f'{failure}: {type(e).__name__}') \
                from None
        finally:
            for closer in closers:
                closer.close()
        if self.return_result_on_error:
            return {'stdout': stdout, 'stderr': stderr, 'exit_code': code}
        if code != 0:
            raise exc.ActionError(f'{failure} (exit code {code})')
        return stdout

    def run(self, context: Any) -> Any:
        if isinstance(self.host, list):
            results = [self._run_on(h) for h in self.host]
            return results if len(results) > 1 else results[0]
        return self._run_on(self.host)

    def test(self, context: Any) -> None:
        return None


class SSHProxiedAction(SSHAction):
    """Runs a command over SSH on a host reached through a gateway host.

    The connection to `host` is tunnelled through an SSH connection to
    `gateway_host`, which may itself be reached through `proxy_command`.
    """

    def __init__(self, cmd: str, host: Any, username: str,
                 private_key_filename: str | None, gateway_host: str,
                 gateway_username: str | None = None,
                 password: str | None = None,
                 proxy_command: str | None = None,
                 private_key: str | None = None) -> None:
        super().__init__(cmd, host, username, password or '',
                         private_key_filename, private_key)
        self.gateway_host = gateway_host
        self.gateway_username = gateway_username
        self.proxy_command = proxy_command

    def _open(self, host: str) -> tuple[paramiko.SSHClient, list]:
        pkey = load_private_key(self.private_key_filename, self.private_key,
                                self.password)
        closers: list = []
        sock = None
        if self.proxy_command:
            sock = paramiko.ProxyCommand(self.proxy_command)
            closers.append(sock)
        try:
            gateway = _connect(self.gateway_host,
                               self.gateway_username or self.username,
                               self.password, pkey, sock=sock)
            closers.insert(0, gateway)
            # A direct-tcpip channel, as `ssh -J` does: the gateway needs
            # TCP forwarding, not a netcat binary.
            tunnel = gateway.get_transport().open_channel(
                'direct-tcpip', split_host(host), ('127.0.0.1', 0),
                timeout=CONNECT_TIMEOUT_S)
            closers.insert(0, tunnel)
            client = _connect(host, self.username, self.password, pkey,
                              sock=tunnel)
        except BaseException:
            for closer in closers:
                closer.close()
            raise
        return client, closers


class WaitSSHAction(SSHAction):
    """Runs "ls -l" over SSH: succeeds once a login to host works.

    Combine it with a retry policy to wait for a server to come up.
    """

    def __init__(self, host: Any, username: str, password: str) -> None:
        super().__init__('ls -l', host, username, password)

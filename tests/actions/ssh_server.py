"""A small real SSH server on 127.0.0.1 for the std.ssh tests.

Built on paramiko's server side: password and public-key logins, `exec`
requests run with the shell as subprocesses (stdout, stderr and exit code
go back to the client), and `direct-tcpip` channels (what a gateway host
does for std.ssh_proxied) are forwarded to the requested address.
"""
from __future__ import annotations

import socket
import subprocess
import threading

import paramiko


class _Handler(paramiko.ServerInterface):
    def __init__(self, server: 'SSHServer') -> None:
        self.server = server
        self.forwards: list[tuple[int, tuple[str, int]]] = []

    def get_allowed_auths(self, username: str) -> str:
        return 'password,publickey'

    def check_auth_password(self, username: str, password: str) -> int:
        if (username, password) == (self.server.username,
                                    self.server.password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == self.server.username and any(
                key == k for k in self.server.authorized_keys):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == 'session':
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(self, chanid, origin,
                                           destination) -> int:
        self.forwards.append((chanid, destination))
        self.server.forwarded.append(destination)
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel, command) -> bool:
        self.server.commands.append(command.decode())
        threading.Thread(target=self._execute, args=(channel, command),
                         daemon=True).start()
        return True

    @staticmethod
    def _execute(channel, command: bytes) -> None:
        proc = subprocess.run(command.decode(), shell=True,
                              capture_output=True, timeout=30)
        channel.sendall(proc.stdout)
        channel.sendall_stderr(proc.stderr)
        channel.send_exit_status(proc.returncode)
        channel.shutdown_write()
        channel.close()


def _pump(source, sink) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except (OSError, EOFError):
        pass
    finally:
        for end in (source, sink):
            try:
                end.close()
            except (OSError, EOFError):  # the other side went first
                pass


class SSHServer:
    """Listens on 127.0.0.1:<free port> until `stop()`."""

    def __init__(self, username: str = 'tester',
                 password: str = 'secret') -> None:
        self.username = username
        self.password = password
        self.authorized_keys: list[paramiko.PKey] = []
        self.commands: list[str] = []
        self.forwarded: list[tuple[str, int]] = []
        self.host_key = paramiko.ECDSAKey.generate()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stopped = threading.Event()
        self._transports: list[paramiko.Transport] = []

    @property
    def address(self) -> str:
        return f'127.0.0.1:{self.port}'

    def start(self) -> 'SSHServer':
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        self._transports.append(transport)
        transport.add_server_key(self.host_key)
        handler = _Handler(self)
        try:
            transport.start_server(server=handler)
        except (paramiko.SSHException, EOFError, OSError):
            return
        while transport.is_active() and not self._stopped.is_set():
            channel = transport.accept(0.5)
            if channel is None:
                continue
            destination = next((d for cid, d in handler.forwards
                                if cid == channel.get_id()), None)
            if destination is not None:
                target = socket.create_connection(destination, timeout=10)
                threading.Thread(target=_pump, args=(channel, target),
                                 daemon=True).start()
                threading.Thread(target=_pump, args=(target, channel),
                                 daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        self._sock.close()
        for transport in self._transports:
            transport.close()

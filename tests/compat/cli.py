"""The real `mistral` command of python-mistralclient, run against a test
server (no Keystone: the URL is given with --os-mistral-url)."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

from tests.server import CLI_SCRIPT, MistralServer


class Cli:
    def __init__(self, server: MistralServer, workdir: pathlib.Path) -> None:
        self.server = server
        self.workdir = workdir
        # No Keystone: drop any OS_* settings of the calling shell.
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith('OS_')}

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        """Run `mistral <args>`; it must succeed, or fail when `ok` is
        False."""
        if not CLI_SCRIPT.exists():
            pytest.fail(f'{CLI_SCRIPT} not found (python-mistralclient)')
        proc = subprocess.run(
            [str(CLI_SCRIPT), '--os-mistral-url', self.server.api, *args],
            capture_output=True, text=True, timeout=60, cwd=self.workdir,
            env=self.env)
        assert (proc.returncode == 0) == ok, (
            f'mistral {" ".join(args)} exited {proc.returncode}\n'
            f'stdout: {proc.stdout}\nstderr: {proc.stderr}')
        return proc

    def out(self, *args: str) -> str:
        return self.run(*args).stdout

    def fails(self, *args: str) -> str:
        """The error the CLI prints for a refused request."""
        proc = self.run(*args, ok=False)
        return proc.stdout + proc.stderr

    def json(self, *args: str):
        return json.loads(self.out(*args, '-f', 'json'))

    def value(self, *args: str) -> str:
        return self.out(*args, '-f', 'value').strip()

    def file(self, name: str, text: str) -> str:
        path = self.workdir / name
        path.write_text(text)
        return str(path)

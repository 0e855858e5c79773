"""Schemathesis against a real server: requests generated from
/v2/openapi.json never get a 5xx, and every answer matches the document.

Small and seeded, so it stays quick; run the full check by hand with
`st run http://127.0.0.1:8989/v2/openapi.json --checks all` (see the
closing note of issue 4).
"""
from __future__ import annotations

import pathlib
import subprocess
import sys

ST = pathlib.Path(sys.executable).parent / 'st'


def test_generated_requests_get_no_server_error(server,
                                                tmp_path) -> None:
    proc = subprocess.run(
        [str(ST), 'run', f'{server.api}/openapi.json',
         '--checks', 'not_a_server_error,response_schema_conformance',
         '--phases', 'examples,fuzzing', '--max-examples', '3',
         '--workers', '1', '--seed', '4', '--no-shrink',
         # Maintenance mode would turn every later change into a 423.
         '--exclude-path-regex', 'maintenance',
         '--report', 'junit', '--report-dir', str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = proc.stdout + proc.stderr
    summary = out[out.find('= FAILURES ='):] if '= FAILURES =' in out \
        else out[-3000:]
    assert proc.returncode == 0, (
        f'schemathesis exited {proc.returncode}\n{summary[:6000]}\n'
        f'{server.log_tail()}')

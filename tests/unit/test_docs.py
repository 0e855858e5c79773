"""The documentation in doc/source must build without a single warning.

Runs Sphinx the way a contributor does (`-W --keep-going`), in a
subprocess with this interpreter, so a broken cross-reference, a malformed
table or a code block that does not parse fails the suite.
"""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / 'doc' / 'source'


def test_docs_build_without_warnings(tmp_path: pathlib.Path) -> None:
    proc = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q',
         '-b', 'html', '-d', str(tmp_path / 'doctrees'), str(SOURCE),
         str(tmp_path / 'html')],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert proc.returncode == 0, (
        f'sphinx-build exited {proc.returncode}\n'
        f'--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}')

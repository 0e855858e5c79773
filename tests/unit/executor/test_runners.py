"""Action runners: results come back, and a hung action is stopped at its
deadline (in `process` mode its process is really gone)."""
from __future__ import annotations

import os
import pathlib
import time

import pytest

from mistral.executor import runners
from tests.server import wait_until


def answer(value):
    return {'data': value}


def hang(pid_file: str) -> dict:
    pathlib.Path(pid_file).write_text(str(os.getpid()))
    time.sleep(600)
    return {'data': 'too late'}


def exit_abruptly() -> dict:
    os._exit(3)


def explode() -> dict:
    raise RuntimeError('boom')


@pytest.mark.parametrize('kind', runners.KINDS)
def test_result_comes_back(kind: str) -> None:
    run = runners.runner(kind)
    assert run(answer, ({'a': [1, 2]},), None) == {'data': {'a': [1, 2]}}
    assert run(answer, ('x',), 30) == {'data': 'x'}


def test_process_is_killed_at_the_deadline(tmp_path) -> None:
    # Start the fork server first: on a busy machine that alone may take
    # longer than the deadline below.
    assert runners.run_in_process(answer, (1,), None) == {'data': 1}
    pid_file = tmp_path / 'pid'
    result = runners.run_in_process(hang, (str(pid_file),), 2.0)
    assert result == {'error': 'The action did not finish within 2 '
                               'second(s) and was stopped.'}
    pid = int(pid_file.read_text())
    assert pid != os.getpid()
    wait_until(lambda: not pathlib.Path(f'/proc/{pid}').exists(), timeout=5,
               message=f'action process {pid} to be gone')


def test_thread_is_abandoned_at_the_deadline(tmp_path) -> None:
    started = time.monotonic()
    result = runners.run_in_thread(hang, (str(tmp_path / 'pid'),), 0.3)
    assert time.monotonic() - started < 5
    assert 'was abandoned' in result['error']


def test_process_that_dies_is_an_error() -> None:
    result = runners.run_in_process(exit_abruptly, (), 10)
    assert result == {'error': 'The action process exited with code 3 '
                               'without a result.'}


def test_exception_in_process_is_an_error() -> None:
    result = runners.run_in_process(explode, (), 10)
    assert result == {'error': 'The action process failed: boom'}

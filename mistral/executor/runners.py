"""Where an action's `run()` happens, and how it is stopped at a deadline.

`thread` (the default) runs the action in the executor's own worker thread:
no overhead, but Python cannot stop a thread, so an action past its deadline
is reported as timed out and left to finish on its own, its late result
thrown away. `process` runs each action in a child process forked from a
clean fork server: it costs a few milliseconds per action, and an action
past its deadline is killed, so a hung action never outlives its task.
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
from typing import Any, Callable

LOG = logging.getLogger(__name__)

THREAD = 'thread'
PROCESS = 'process'
KINDS = (THREAD, PROCESS)

# The result of a unit of work: {data|error|cancel}, or None (asynchronous).
Result = dict | None
Work = Callable[..., Result]


def timed_out(timeout: float, how: str) -> dict:
    return {'error': f'The action did not finish within {timeout:g} '
                     f'second(s) and {how}.'}


def run_in_thread(work: Work, args: tuple, timeout: float | None) -> Result:
    """Run `work(*args)`; with a timeout, wait for it at most that long."""
    if timeout is None:
        return work(*args)
    box: list[Result] = []
    thread = threading.Thread(target=lambda: box.append(work(*args)),
                              name='action', daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        LOG.warning('Action still running after its %.1fs deadline; its '
                    'result will be ignored', timeout)
        return timed_out(timeout, 'was abandoned (it may still be running '
                         'in its thread)')
    return box[0] if box else {'error': 'The action ended without a result.'}


_context_lock = threading.Lock()
_context: Any = None


def _process_context() -> Any:
    """The fork server context, created once. A fork server is forked from
    a clean single-threaded process, so children never inherit the
    executor's RPC threads and locks."""
    global _context
    with _context_lock:
        if _context is None:
            _context = multiprocessing.get_context('forkserver')
            _context.set_forkserver_preload(['mistral.executor.executor'])
        return _context


def _child(conn: Any, work: Work, args: tuple) -> None:
    try:
        result = work(*args)
    except BaseException as e:  # never leave the parent waiting
        result = {'error': f'The action process failed: {e}'}
    conn.send(result)
    conn.close()


def run_in_process(work: Work, args: tuple, timeout: float | None) -> Result:
    """Run `work(*args)` in a child process; kill it at the deadline.
    `work` must be importable by name (a module-level function)."""
    ctx = _process_context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, work, args),
                          name='mistral-action', daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            try:
                return receiver.recv()
            except EOFError:
                pass  # the child died without answering; see below
        elif process.is_alive():
            LOG.warning('Killing action process %s after its %.1fs deadline',
                        process.pid, timeout)
            process.kill()
            process.join(5)
            return timed_out(timeout, 'was stopped')
        process.join(5)
        return {'error': f'The action process exited with code '
                         f'{process.exitcode} without a result.'}
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(1)


def runner(kind: str) -> Callable[[Work, tuple, float | None], Result]:
    return run_in_process if kind == PROCESS else run_in_thread

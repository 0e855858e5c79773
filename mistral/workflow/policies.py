"""Task policies as small rules, applied in one fixed order.

Before a task starts: pause-before, wait-before (and timeout is armed).
When a task finishes: fail-on, retry, wait-after.
Each rule reads the task's policy values (already merged with
task-defaults by the spec) and the data to evaluate expressions with, and
returns a decision; the engine carries it out. Pure: no clock, no storage.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mistral import exceptions as exc
from mistral import expressions
from mistral.lang import inline
from mistral.workflow import states


def _value(raw: Any, data: dict) -> Any:
    return expressions.evaluate(raw, data) if isinstance(raw, str) else raw


def _seconds(raw: Any, data: dict, name: str) -> float:
    value = _value(raw, data)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise exc.InputError(f"'{name}' must be a number of seconds, got "
                             f'{value!r}')
    if seconds < 0:
        raise exc.InputError(f"'{name}' must not be negative")
    return seconds


def _flag(raw: Any, data: dict) -> bool:
    return bool(_value(raw, data))


# -- before start ------------------------------------------------------------

@dataclass(frozen=True)
class Start:
    """What to do with a task that is about to run."""
    pause: bool = False
    delay: float = 0.0
    timeout: float = 0.0


def before_start(policies: dict, data: dict, runtime: dict) -> Start:
    pause = ('pause-before' in policies and
             not runtime.get('pause_before_done') and
             _flag(policies['pause-before'], data))
    delay = 0.0
    if 'wait-before' in policies and not runtime.get('wait_before_done'):
        delay = _seconds(policies['wait-before'], data, 'wait-before')
    timeout = 0.0
    if 'timeout' in policies:
        timeout = _seconds(policies['timeout'], data, 'timeout')
    return Start(pause=pause, delay=delay, timeout=timeout)


PAUSE_BEFORE_INFO = "Set by 'pause-before' policy"


def wait_before_info(delay: float) -> str:
    return f"Delayed by 'wait-before' policy [delay={_num(delay)}]"


def timeout_info(timeout: float) -> str:
    return f'Task timed out [timeout(s)={_num(timeout)}].'


# -- after completion -----------------------------------------------------------

@dataclass(frozen=True)
class Finish:
    """What to do with a task that just finished with `state`."""
    state: str
    state_info: str | None
    retry_delay: float | None = None   # not None: run the task again
    wait_after: float = 0.0            # > 0: hold the result this long


FAIL_ON_INFO = "Failed by 'fail-on' policy"


def retry_spec(raw: Any) -> dict:
    """The retry policy as a dict, from either form."""
    if isinstance(raw, str):
        _, params = inline.parse('retry ' + raw)
        return params
    return dict(raw or {})


def after_complete(policies: dict, state: str, state_info: str | None,
                   data: dict, runtime: dict) -> Finish:
    """Apply fail-on, retry and wait-after to a finished task."""
    if state == states.SUCCESS and 'fail-on' in policies and \
            _flag(policies['fail-on'], data):
        state, state_info = states.ERROR, FAIL_ON_INFO

    if 'retry' in policies and not runtime.get('timed_out'):
        retry = retry_spec(policies['retry'])
        count = int(_value(retry.get('count', 0), data) or 0)
        done = runtime.get('retry_task_policy', {}).get('retry_no', 0)
        again = False
        if done < count:
            if state == states.ERROR:
                again = not ('break-on' in retry and
                             _flag(retry['break-on'], data))
            elif state == states.SUCCESS and 'continue-on' in retry:
                again = _flag(retry['continue-on'], data)
        if again:
            delay = _seconds(retry.get('delay', 0), data, 'retry delay')
            return Finish(state, state_info, retry_delay=delay)

    wait = 0.0
    if 'wait-after' in policies and not runtime.get('wait_after_done'):
        wait = _seconds(policies['wait-after'], data, 'wait-after')
    return Finish(state, state_info, wait_after=wait)


def retry_info(delay: float) -> str:
    return f"Delayed by 'retry' policy [delay={_num(delay)}]"


def wait_after_info(delay: float) -> str:
    return f"Delayed by 'wait-after' policy [delay={_num(delay)}]"


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

"""Standard actions that need nothing outside the process."""
from __future__ import annotations

import time
from typing import Any

from mistral_lib import actions

from mistral import exceptions as exc


class NoOpAction(actions.Action):
    """Does nothing; the default action of a task. Returns null."""

    # Pure and instant: the engine may run it without an executor.
    runs_in_engine = True

    def run(self, context: Any) -> None:
        return None

    def test(self, context: Any) -> None:
        return None


class AsyncNoOpAction(NoOpAction):
    """Does nothing; stays RUNNING until completed through the API.

    The result is set with PUT /v2/action_executions/<id>.
    """

    runs_in_engine = False

    def is_sync(self) -> bool:
        return False


def _non_negative(value: Any) -> float:
    """A number of seconds; anything invalid or negative counts as 0."""
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 0.0


class EchoAction(actions.Action):
    """Returns its `output` parameter unchanged, after `delay` seconds."""

    # Pure and instant, unless delayed: the engine may run it without an
    # executor.
    runs_in_engine = True
    slow_inputs = ('delay',)

    def __init__(self, output: Any, delay: float = 0) -> None:
        self.output = output
        self.delay = _non_negative(delay)

    def run(self, context: Any) -> Any:
        if self.delay:
            time.sleep(self.delay)
        return self.output

    def test(self, context: Any) -> Any:
        return self.output


class FailAction(actions.Action):
    """Always fails; `error_data` becomes the action's error result."""

    # Pure and instant: the engine may run it without an executor.
    runs_in_engine = True

    def __init__(self, error_data: Any = None) -> None:
        self.error_data = error_data

    def run(self, context: Any) -> actions.Result:
        # Like upstream, empty error data ({} or "") counts as none.
        if self.error_data:
            return actions.Result(error=self.error_data)
        raise exc.ActionError('Fail action expected exception.')

    def test(self, context: Any) -> actions.Result:
        return self.run(context)


class SleepAction(actions.Action):
    """Sleeps `seconds` seconds, then returns null."""

    def __init__(self, seconds: float = 1) -> None:
        self.seconds = _non_negative(seconds)

    def run(self, context: Any) -> None:
        time.sleep(self.seconds)

    def test(self, context: Any) -> None:
        return None


class TestDictAction(actions.Action):
    """Returns a dict of `size` entries {key_prefix + i: val} (load tests)."""

    def __init__(self, size: int = 0, key_prefix: str = '',
                 val: Any = '') -> None:
        try:
            self.size = max(int(size), 0)
        except (TypeError, ValueError):
            raise exc.ActionError(
                f'std.test_dict: size must be an integer, got {size!r}') \
                from None
        self.key_prefix = key_prefix
        self.val = val

    def run(self, context: Any) -> dict:
        return {f'{self.key_prefix}{i}': self.val for i in range(self.size)}

    def test(self, context: Any) -> dict:
        return {}

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


class EchoAction(actions.Action):
    """Returns its `output` parameter unchanged."""

    # Pure and instant: the engine may run it without an executor.
    runs_in_engine = True

    def __init__(self, output: Any) -> None:
        self.output = output

    def run(self, context: Any) -> Any:
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
        if self.error_data is not None:
            return actions.Result(error=self.error_data)
        raise exc.ActionError('Fail action expected exception.')

    def test(self, context: Any) -> actions.Result:
        return self.run(context)


class SleepAction(actions.Action):
    """Sleeps `seconds` seconds, then returns null."""

    def __init__(self, seconds: float = 1) -> None:
        try:
            self.seconds = max(float(seconds), 0.0)
        except (TypeError, ValueError):
            self.seconds = 0.0

    def run(self, context: Any) -> None:
        time.sleep(self.seconds)

    def test(self, context: Any) -> None:
        return None

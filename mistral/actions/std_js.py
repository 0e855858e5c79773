"""std.javascript (alias std.js): evaluates JavaScript in embedded V8.

The engine is mini-racer (the maintained successor of py_mini_racer); each
run gets a fresh context, so scripts cannot see each other's globals.
"""
from __future__ import annotations

import json
import re
from typing import Any

from mistral_lib import actions

from mistral import exceptions as exc
from mistral.utils import jsonutils


def evaluate(script: str, context: Any = None) -> Any:
    """The value the function body `script` returns, with `context`
    available as `$`. The value comes back through JSON, so it is plain
    data; `undefined` becomes None."""
    from py_mini_racer import MiniRacer  # heavy; only where JS runs

    source = (
        f'var $ = {jsonutils.dumps(context)};\n'
        '(function () {\n'
        '  var __result = (function () {\n'
        f'{script}\n'
        '  })();\n'
        '  return __result === undefined ? "null" '
        ': JSON.stringify(__result);\n'
        '})()')
    engine = MiniRacer()
    try:
        text = engine.eval(source)
    finally:
        close = getattr(engine, 'close', None)
        if callable(close):
            close()
    # Functions and symbols have no JSON form: JSON.stringify gives
    # undefined for them.
    return None if not isinstance(text, str) else json.loads(text)


class JavaScriptAction(actions.Action):
    """Evaluates JavaScript and returns the value the script returns.

    `script` is the body of a function; `context` is available as `$`.
    """

    def __init__(self, script: str, context: Any = None) -> None:
        self.script = script
        self.js_context = context

    def run(self, context: Any) -> Any:
        try:
            return evaluate(self.script, self.js_context)
        except Exception as e:
            message = str(e).strip().splitlines()
            # mini-racer's message starts with the location and ends with
            # the stack; the last non-blank lines name the error.
            raise exc.ActionError(
                f'JavaScriptAction failed: {_summary(message)}') from None

    def test(self, context: Any) -> str:
        return self.script


def _summary(lines: list[str]) -> str:
    # The first line is "<anonymous>:LINE: Error: message"; the line number
    # counts the wrapper, so only the error itself is kept.
    first = lines[0] if lines else 'unknown error'
    return re.sub(r'^<anonymous>:\d+:\s*', '', first)

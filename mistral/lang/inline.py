"""One-line syntaxes inside definitions.

The parameter syntax `std.http url="http://x" timeout=5` is used by task
`action`/`workflow`, ad-hoc `base`, `retry` and engine commands in
transitions (`fail msg="boom"` or `fail(msg="boom")`); `x in <% $.xs %>`
is the with-items clause.
"""
from __future__ import annotations

import json
import re

from mistral import exceptions as exc

_JSON = json.JSONDecoder()

_EXPR = r'<%.*?%>|\{\{.*?\}\}|\{%.*?%\}'
_VALUE = (r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|' + _EXPR +
          r'|\[.*?\]|\{.*?\}|[^\s,]+')
_PARAM = re.compile(r'([-_\w]+)\s*=\s*(' + _VALUE + r')', re.DOTALL)
_CMD = re.compile(r'(' + _EXPR + r'|[\w.]+[^=(\s"]*)', re.DOTALL)


def _value(raw: str):
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in '"\'':
        return raw[1:-1]
    if raw.startswith(('<%', '{{', '{%')):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # a bare word is a string


def parse(text: str) -> tuple[str, dict]:
    """Split a one-line command into its name and parameters.

    Raises ValueError when something after the name is not a parameter.
    """
    text = text.strip()
    match = _CMD.match(text)
    if not match:
        raise ValueError(f"Can not find a command name in '{text}'")
    name = match.group(1)
    rest = text[match.end():].strip()
    if rest.startswith('(') and rest.endswith(')'):
        rest = rest[1:-1]
    params: dict = {}
    pos = 0
    while True:
        skipped = len(rest[pos:]) - len(rest[pos:].lstrip(' \t\n,'))
        pos += skipped
        if pos >= len(rest):
            return name, params
        param = _PARAM.match(rest, pos)
        if param is None:
            raise ValueError(
                f"Unexpected text '{rest[pos:].strip()}' in '{text}'")
        key, value_start = param.group(1), param.start(2)
        if rest[value_start] in '[{':
            # JSON may nest; let the JSON decoder find where it ends.
            try:
                value, end = _JSON.raw_decode(rest, value_start)
                params[key] = value
                pos = end
                continue
            except ValueError:
                pass
        params[key] = _value(param.group(2))
        pos = param.end()


# Upstream's grammar: a variable, `in`, then a JSON list or one expression.
# Like upstream, only the start of a clause must match: text after the list
# or expression is ignored. Several lists are several clauses (a YAML
# list); `x, y in ...` is not a form upstream accepts.
_WITH_ITEMS = re.compile(r'\s*([\w\-]+)\s*in\s*(\[.+\]|' + _EXPR + r')',
                         re.DOTALL)
WITH_ITEMS_FORMAT = ("Wrong format of 'with-items' property. Please use "
                     "format 'var in {[some, list] | <% $.array %> }'")


def parse_with_items(spec_value: str | list[str]
                     ) -> list[tuple[str, str | list]]:
    """[(variable, expression or list)] from `x in <% $.xs %>` clauses.

    A JSON list literal is decoded here, so a malformed one is a
    definition error rather than a runtime one.
    """
    clauses = [spec_value] if isinstance(spec_value, str) else spec_value
    parsed: list[tuple[str, str | list]] = []
    for clause in clauses:
        if not isinstance(clause, str):
            raise exc.InputError(
                f"'with-items' elements should be strings: {clause!r}")
        match = _WITH_ITEMS.match(clause)
        if not match:
            raise exc.InputError(f'{WITH_ITEMS_FORMAT}: {clause!r}')
        name, source = match.group(1), match.group(2)
        if source.startswith('['):
            try:
                source = json.loads(source)
            except ValueError as e:
                raise exc.InputError(
                    f"Invalid array in 'with-items' clause: {source}, "
                    f'error: {e}')
        parsed.append((name, source))
    return parsed

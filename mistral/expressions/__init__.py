"""Expression evaluation: YAQL `<% %>` and Jinja `{{ }}` / `{% %}`.

`evaluate()` and `evaluate_recursively()` are the whole interface. A string
that is exactly one expression yields the typed value; a string with
expressions embedded in text yields text.
"""
from __future__ import annotations

import re
from typing import Any

from mistral import exceptions as exc
from mistral.expressions import jinja_language, yaql_language

_YAQL = re.compile(r'<%(.*?)%>', re.DOTALL)
_JINJA_EXPR = re.compile(r'{{(.*?)}}', re.DOTALL)
_JINJA_ANY = re.compile(r'{{.*?}}|{%.*?%}', re.DOTALL)


def _kinds(text: str) -> tuple[bool, bool]:
    return '<%' in text and bool(_YAQL.search(text)), \
        bool(_JINJA_ANY.search(text))


def has_expressions(value: Any) -> bool:
    if isinstance(value, str):
        yaql_found, jinja_found = _kinds(value)
        return yaql_found or jinja_found
    if isinstance(value, dict):
        return any(has_expressions(v) for v in value.values())
    if isinstance(value, list):
        return any(has_expressions(v) for v in value)
    return False


def evaluate(text: Any, data: Any) -> Any:
    """Evaluate every expression in one value (non-strings pass through)."""
    if not isinstance(text, str):
        return text
    yaql_found, jinja_found = _kinds(text)
    if yaql_found and jinja_found:
        raise exc.ExpressionGrammarError(
            'YAQL/Jinja', text,
            'Mixing expression types in a single line is not allowed.')
    if yaql_found:
        return _evaluate_yaql(text, data)
    if jinja_found:
        return _evaluate_jinja(text, data)
    return text


def _evaluate_yaql(text: str, data: Any) -> Any:
    # Only a string that is exactly one expression gives a typed value;
    # surrounding text, even spaces, makes the result a string (upstream).
    whole = _YAQL.fullmatch(text)
    if whole and '<%' not in whole.group(1):
        return yaql_language.evaluate(whole.group(1).strip(), data)

    def substitute(match: re.Match) -> str:
        return str(yaql_language.evaluate(match.group(1).strip(), data))

    return _YAQL.sub(substitute, text)


def _evaluate_jinja(text: str, data: Any) -> Any:
    whole = _JINJA_EXPR.fullmatch(text)
    if whole and '{{' not in whole.group(1) and '{%' not in text:
        return jinja_language.evaluate_expression(whole.group(1).strip(),
                                                  data)
    return jinja_language.render(text, data)


def evaluate_recursively(value: Any, data: Any) -> Any:
    """Evaluate expressions in all string leaves; keys stay as they are."""
    if isinstance(value, str):
        return evaluate(value, data)
    if isinstance(value, dict):
        return {k: evaluate_recursively(v, data) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate_recursively(v, data) for v in value]
    return value


def validate(text: str) -> None:
    """Check the grammar of every expression in a string; raise if bad."""
    yaql_found, jinja_found = _kinds(text)
    if yaql_found and jinja_found:
        raise exc.ExpressionGrammarError(
            'YAQL/Jinja', text,
            'Mixing expression types in a single line is not allowed.')
    if yaql_found:
        for match in _YAQL.finditer(text):
            yaql_language.parse(match.group(1).strip())
    elif jinja_found:
        jinja_language.compile_template(text)

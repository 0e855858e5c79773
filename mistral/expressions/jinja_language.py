"""Jinja (`{{ }}`, `{% %}`) support, sandboxed."""
from __future__ import annotations

import functools
from typing import Any

import jinja2
from jinja2 import sandbox

from mistral import exceptions as exc
from mistral.expressions import functions

NAME = 'Jinja'


def _as_global(impl):
    """Jinja globals get the data context from the render context (`_`)."""

    @jinja2.pass_context
    def call(ctx, *args, **kwargs):
        return impl(ctx.get('_'), *args, **kwargs)

    return call


def _as_filter(impl):
    """As a filter the piped value is the first argument after the data."""

    @jinja2.pass_context
    def call(ctx, value, *args, **kwargs):
        return impl(ctx.get('_'), value, *args, **kwargs)

    return call


@functools.lru_cache(maxsize=1)
def environment() -> sandbox.SandboxedEnvironment:
    env = sandbox.SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for name, impl in functions.FUNCTIONS.items():
        env.globals[name] = _as_global(impl)
        env.filters[name] = _as_filter(impl)
    return env


@functools.lru_cache(maxsize=4096)
def compile_expression(expression: str):
    try:
        return environment().compile_expression(expression,
                                                undefined_to_none=False)
    except jinja2.TemplateSyntaxError as e:
        raise exc.ExpressionGrammarError(NAME, expression, str(e))


@functools.lru_cache(maxsize=4096)
def compile_template(template: str):
    try:
        return environment().from_string(template)
    except jinja2.TemplateSyntaxError as e:
        raise exc.ExpressionGrammarError(NAME, template, str(e))


def evaluate_expression(expression: str, data: Any) -> Any:
    compiled = compile_expression(expression)
    try:
        result = compiled(_=data)
        if isinstance(result, jinja2.Undefined):
            str(result)  # StrictUndefined raises the precise error here
    except exc.MistralError:
        raise
    except Exception as e:
        raise exc.ExpressionEvaluationError(NAME, expression,
                                            f'{type(e).__name__}: {e}')
    return result


def render(template: str, data: Any) -> str:
    compiled = compile_template(template)
    try:
        return compiled.render(_=data)
    except exc.MistralError:
        raise
    except Exception as e:
        raise exc.ExpressionEvaluationError(NAME, template,
                                            f'{type(e).__name__}: {e}')

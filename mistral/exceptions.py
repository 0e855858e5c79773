"""Every error Mistral raises, in one place.

One root (`MistralError`), flat specific subclasses. Constructors take the
data and build the message. HTTP status codes are assigned in
`mistral.api.errors`, nowhere else.
"""
from __future__ import annotations


class MistralError(Exception):
    """Root of all Mistral errors."""

    def __init__(self, message: str = '') -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# -- Input and definitions ---------------------------------------------------

class InputError(MistralError):
    """Bad input from a client (API payload, query parameter, workflow input)."""


class DSLParsingError(InputError):
    """A definition is not valid YAML or not a document we understand."""


class InvalidModelError(InputError):
    """A definition parses but breaks the language rules.

    `errors` holds every problem as "path: message" so the client sees all
    of them at once.
    """

    def __init__(self, errors: list[str],
                 located: list[str] | None = None) -> None:
        self.errors = list(errors)
        # The same errors with their YAML line, for the message.
        super().__init__('Invalid DSL: ' + '; '.join(located or self.errors))


class ExpressionGrammarError(InputError):
    """An expression cannot be parsed."""

    def __init__(self, language: str, expression: str, error: str) -> None:
        super().__init__(
            f'Can not parse {language} expression '
            f'[expression={expression!r}, error={error}]'
        )


class ExpressionEvaluationError(MistralError):
    """An expression parsed but failed at run time (fails the task)."""

    def __init__(self, language: str, expression: str, error: str) -> None:
        self.language = language
        super().__init__(
            f'Can not evaluate {language} expression '
            f'[expression={expression}, error={error}]'
        )


class WorkflowInputError(InputError):
    """Workflow or action input does not match its declared parameters."""

    def __init__(self, kind: str, name: str, missing: list[str],
                 unexpected: list[str]) -> None:
        parts = []
        if missing:
            parts.append(f'missing={missing}')
        if unexpected:
            parts.append(f'unexpected={unexpected}')
        super().__init__(
            f'Invalid input [name={name}, class={kind}, {", ".join(parts)}]'
        )


class InvalidStateTransitionError(InputError):
    def __init__(self, kind: str, from_state: str, to_state: str) -> None:
        super().__init__(
            f"Can't change {kind} state from {from_state} to {to_state}"
        )


class NotAllowedError(MistralError):
    """The caller may not do this (HTTP 403)."""


# -- Storage -----------------------------------------------------------------

class NotFoundError(MistralError):
    """A stored entity does not exist (or is not visible to the caller)."""

    def __init__(self, kind: str, **keys: object) -> None:
        self.kind = kind
        desc = ', '.join(f'{k}={v}' for k, v in keys.items())
        super().__init__(f'{kind} not found [{desc}]')


class DuplicateEntryError(MistralError):
    def __init__(self, kind: str, **keys: object) -> None:
        desc = ', '.join(f'{k}={v}' for k, v in keys.items())
        super().__init__(f'Duplicate entry for {kind}: {desc}')


class ConflictError(MistralError):
    """The request is valid but conflicts with stored state (HTTP 409)."""


class SizeLimitExceededError(MistralError):
    def __init__(self, kind: str, field: str, size_kb: int,
                 limit_kb: int) -> None:
        super().__init__(
            f'Field size limit exceeded [class={kind}, field={field}, '
            f'size={size_kb}KB, limit={limit_kb}KB]'
        )


# -- Running -----------------------------------------------------------------

class ActionNotFoundError(InputError):
    def __init__(self, name: str) -> None:
        super().__init__(f'Action not found [action_name={name}]')


class ActionError(MistralError):
    """An action failed while running."""


class EngineError(MistralError):
    """The engine could not process a request (HTTP 500)."""


class RPCTimeoutError(EngineError):
    def __init__(self, method: str, timeout: float) -> None:
        super().__init__(
            f'Timed out waiting for a reply to {method} after {timeout}s'
        )


class ConfigError(MistralError):
    """The service configuration is not usable."""

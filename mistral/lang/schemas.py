"""JSON-schema fragments of Workflow Language v2.

Each spec in `mistral.lang.specs` validates its raw dict against one of
these before it is built, so unknown keys and wrong types are reported with
their path.
"""
from __future__ import annotations

NON_EMPTY_STRING = {'type': 'string', 'minLength': 1}
EXPRESSION_OR = lambda schema: {  # noqa: E731 - tiny combinator
    'anyOf': [schema, {'type': 'string', 'pattern': r'^\s*(<%.*%>|{{.*}})\s*$'}]
}
UNIQUE_STRING_LIST = {
    'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}
STRING_OR_UNIQUE_LIST = {'anyOf': [{'type': 'string'}, UNIQUE_STRING_LIST]}
NON_EMPTY_DICT = {'type': 'object', 'minProperties': 1}
POSITIVE_INT_OR_EXPR = EXPRESSION_OR({'type': 'integer', 'minimum': 0})
BOOL_OR_EXPR = EXPRESSION_OR({'type': 'boolean'})

META = {
    'version': {'anyOf': [{'type': 'string'}, {'type': 'number'}]},
    'name': NON_EMPTY_STRING,
    'description': {'type': 'string'},
    'tags': UNIQUE_STRING_LIST,
}

# One next-task item: "name", "name params", or {"name params": guard}.
_NEXT_ITEM = {
    'anyOf': [
        NON_EMPTY_STRING,
        {'type': 'object', 'minProperties': 1, 'maxProperties': 1,
         'additionalProperties': {
             'anyOf': [{'type': 'string'}, {'type': 'boolean'}]}},
    ]
}
_NEXT = {'anyOf': [
    NON_EMPTY_STRING,
    {'type': 'array', 'items': _NEXT_ITEM},
    {'type': 'object', 'minProperties': 1, 'maxProperties': 1,
     'additionalProperties': {'anyOf': [{'type': 'string'},
                                        {'type': 'boolean'}]}},
]}
PUBLISH = {
    'type': 'object',
    'properties': {
        'branch': NON_EMPTY_DICT,
        'global': NON_EMPTY_DICT,
        'atomic': NON_EMPTY_DICT,
    },
    'additionalProperties': False,
}
ON_CLAUSE = {'anyOf': [
    NON_EMPTY_STRING,
    {'type': 'array', 'items': _NEXT_ITEM},
    {'type': 'object',
     'properties': {'publish': PUBLISH, 'next': _NEXT},
     'additionalProperties': False,
     'minProperties': 1},
]}

RETRY = {'anyOf': [
    {'type': 'string'},
    {'type': 'object',
     'properties': {
         'count': POSITIVE_INT_OR_EXPR,
         'delay': POSITIVE_INT_OR_EXPR,
         'break-on': {'anyOf': [{'type': 'string'}, {'type': 'boolean'}]},
         'continue-on': {'anyOf': [{'type': 'string'}, {'type': 'boolean'}]},
     },
     'additionalProperties': False},
]}

POLICIES = {
    'retry': RETRY,
    'wait-before': POSITIVE_INT_OR_EXPR,
    'wait-after': POSITIVE_INT_OR_EXPR,
    'timeout': POSITIVE_INT_OR_EXPR,
    'pause-before': BOOL_OR_EXPR,
    'concurrency': POSITIVE_INT_OR_EXPR,
    'fail-on': {'anyOf': [{'type': 'string'}, {'type': 'boolean'}]},
    'safe-rerun': BOOL_OR_EXPR,
}

TASK = {
    'type': 'object',
    'properties': {
        **META,
        'action': NON_EMPTY_STRING,
        'workflow': NON_EMPTY_STRING,
        'input': {'anyOf': [NON_EMPTY_DICT, NON_EMPTY_STRING]},
        'publish': NON_EMPTY_DICT,
        'publish-on-error': NON_EMPTY_DICT,
        'publish-on-skip': NON_EMPTY_DICT,
        'with-items': {'anyOf': [NON_EMPTY_STRING, UNIQUE_STRING_LIST]},
        'keep-result': BOOL_OR_EXPR,
        'target': NON_EMPTY_STRING,
        **POLICIES,
        # direct workflows
        'on-success': ON_CLAUSE,
        'on-error': ON_CLAUSE,
        'on-complete': ON_CLAUSE,
        'on-skip': ON_CLAUSE,
        'join': {'anyOf': [{'enum': ['all', 'one']},
                           {'type': 'integer', 'minimum': 0}]},
        # reverse workflows
        'requires': STRING_OR_UNIQUE_LIST,
    },
    'additionalProperties': False,
}

TASK_DEFAULTS = {
    'type': 'object',
    'properties': {
        **POLICIES,
        'on-success': ON_CLAUSE,
        'on-error': ON_CLAUSE,
        'on-complete': ON_CLAUSE,
        'on-skip': ON_CLAUSE,
        'requires': STRING_OR_UNIQUE_LIST,
    },
    'additionalProperties': False,
}

INPUT_LIST = {
    'type': 'array',
    'uniqueItems': True,
    'items': {'anyOf': [
        NON_EMPTY_STRING,
        {'type': 'object', 'minProperties': 1, 'maxProperties': 1},
    ]},
}

WORKFLOW = {
    'type': 'object',
    'properties': {
        **META,
        'type': {'enum': ['direct', 'reverse']},
        'input': INPUT_LIST,
        'output': NON_EMPTY_DICT,
        'output-on-error': NON_EMPTY_DICT,
        'vars': {'type': 'object'},
        'task-defaults': TASK_DEFAULTS,
        'tasks': {'type': 'object', 'minProperties': 1},
    },
    'required': ['tasks'],
    'additionalProperties': False,
}

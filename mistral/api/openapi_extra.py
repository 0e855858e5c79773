"""What the OpenAPI generator cannot read from the controllers.

`mistral.api.openapi` finds the routes, parameters and WSME types by
walking the mounted controllers. Endpoints that read their body by hand
(definitions sent as YAML text, environments, cron triggers) and answer
JSON they build themselves, the schemas of query parameters that are
declared as plain text, and the error answers every endpoint shares are
described here, as data.
"""
from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

ERROR_REF = {'$ref': '#/components/schemas/Error'}

# The error body every error answer has (see mistral.api.errors.fault).
ERROR_SCHEMA: Schema = {
    'type': 'object',
    'description': 'Every error answer, including unknown paths and '
                   'methods. The message is repeated in the '
                   '`Server-Error-Message` header.',
    'properties': {
        'faultcode': {'type': 'string', 'enum': ['Client', 'Server']},
        'faultstring': {'type': 'string'},
        'debuginfo': {'type': ['string', 'null']},
    },
    'required': ['faultcode', 'faultstring'],
}

ERROR_TEXT = {
    400: 'Invalid request: bad input, query parameter, body or state '
         'change; `faultstring` says what.',
    403: 'Not allowed (for example changing a system action).',
    404: 'The resource or one it refers to does not exist.',
    405: 'The method is not allowed on this path; see the `Allow` header.',
    409: 'Conflict: a resource with that name already exists.',
    415: 'The request body is XML.',
    423: 'The service is in maintenance mode and refuses changes.',
}

# The error statuses of an operation, by HTTP method. Every change can be
# refused with 423 in maintenance mode and 415 for an XML body.
ERRORS_BY_METHOD = {
    'get': (400,),
    'post': (400, 403, 404, 409, 415, 423),
    'put': (400, 403, 404, 409, 415, 423),
    'delete': (400, 403, 404, 423),
}

# -- query parameters -------------------------------------------------------

_BOOLEAN_TEXT = {'type': 'string', 'description':
                 '`true` (also `1`, `yes`) or anything else for false.'}
_STRICT_BOOLEAN = {'type': 'string',
                   'enum': ['true', 'false', 'True', 'False', '1', '0',
                            'yes', 'no']}

QUERY_PARAMETERS: dict[str, Schema] = {
    'limit': {'type': 'integer', 'minimum': 1, 'description':
              'The largest number of items to return; values above '
              '`[api] max_limit` are lowered to it.'},
    'marker': {'type': 'string', 'description':
               'Id of the last item of the previous page (a name for '
               'actions).'},
    'sort_keys': {'type': 'string', 'description':
                  'Comma-separated fields to sort by.'},
    'sort_dirs': {'type': 'string', 'description':
                  'Comma-separated `asc` or `desc`, one per sort key.',
                  'pattern': '^((asc|desc)(,(asc|desc))*)?$'},
    'fields': {'type': 'string', 'description':
               'Comma-separated fields to return; `id` is always '
               'returned.'},
    'namespace': {'type': 'string', 'description':
                  'Namespace; empty for the default one.'},
    'scope': {'type': 'string', 'enum': ['private', 'public']},
    'all_projects': _BOOLEAN_TEXT,
    'include_output': _STRICT_BOOLEAN,
    'force': dict(_BOOLEAN_TEXT, description=(
        'Delete even if the execution has not ended (`true`).')),
    'skip_validation': {'type': 'string', 'description': 'Ignored.'},
    'errors_only': _STRICT_BOOLEAN,
    'statistics_only': _STRICT_BOOLEAN,
    'max_depth': {'type': 'integer', 'description':
                  'How deep to follow sub-workflows; negative for no '
                  'limit.'},
    'nulls': {'type': 'string', 'description':
              'Comma-separated fields that must be null.'},
}

# Parameters of list endpoints not in QUERY_PARAMETERS filter the list;
# these ones filter it too.
FILTERABLE = frozenset({'scope', 'namespace'})

FILTER_SCHEMA: Schema = {
    'type': 'string',
    'description': 'Filter: a value that must match exactly, or '
                   '`<operator>:<value>` with an operator among eq, neq, '
                   'gt, gte, lt, lte, in, nin (comma-separated values) and '
                   'has (substring).',
}

# -- bodies and answers the controllers build by hand ----------------------



def _typed_filter(value: str, what: str) -> Schema:
    """A filter on a typed column: the value must parse as that type."""
    return {
        'type': 'string',
        'pattern': f'^((eq|neq|gt|gte|lt|lte):)?{value}$'
                   f'|^(in|nin):{value}(,{value})*$',
        'description': f'Filter on {what}: a value, or '
                       '`<operator>:<value>` (eq, neq, gt, gte, lt, lte; '
                       'in and nin take comma-separated values).'}


_DATE = (r'(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])'
         r'( ([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?)?')
_DATE_FILTER = _typed_filter(_DATE, 'a UTC time, `YYYY-MM-DD[ HH:MM[:SS]]`')
_BOOL = '(true|false|True|False|1|0)'
_BOOLEAN_FILTER = {
    'type': 'string',
    'pattern': f'^((eq|neq):)?{_BOOL}$|^(in|nin):{_BOOL}(,{_BOOL})*$',
    'description': 'Filter on a boolean: `true` or `false`, optionally '
                   'after `eq:` or `neq:`.'}

FILTER_SCHEMAS: dict[str, Schema] = {
    **{name: _DATE_FILTER for name in (
        'created_at', 'updated_at', 'started_at', 'finished_at',
        'first_execution_time', 'next_execution_time')},
    'accepted': _BOOLEAN_FILTER,
    'processed': _BOOLEAN_FILTER,
    'remaining_executions': _typed_filter('-?\\d{1,9}', 'an integer'),
}

# Query parameters that differ on some paths, by (path, name).
PARAMETER_OVERRIDES: dict[tuple[str, str], Schema] = {}

# Routes whose handler takes its path as `*path`, so the walker cannot
# see where they are: (method, walked path) -> (path, path parameters,
# whether the path is one item).
ROUTE_MOVES: dict[tuple[str, str], tuple[str, list[str], bool]] = {
    ('put', '/v2/event_triggers'):
        ('/v2/event_triggers/{trigger_id}', ['trigger_id'], True),
}

# Lists that filter in memory on exact values only, without operators.
EXACT_FILTER_LISTS = frozenset({'/v2/actions'})

# Path parameters that are more than any text, by (path prefix, name).
PATH_PARAMETERS: dict[tuple[str, str], Schema] = {
    ('/v2/workflows/{identifier}/members', 'identifier'): {
        'type': 'string', 'format': 'uuid',
        'description': 'Workflows are shared by id only.'},
    ('/v2/event_triggers/{trigger_id}', 'trigger_id'): {
        'type': 'string', 'format': 'uuid'},
}

_TEXT_BODY = {
    'required': True,
    'description': 'The YAML definition, as text.',
    'content': {'text/plain': {'schema': {'type': 'string'}}},
}

# Validation takes an empty body too (and finds it invalid).
_OPTIONAL_TEXT_BODY = dict(_TEXT_BODY, required=False)


def _json_body(ref: str) -> dict:
    return {'required': True, 'content': {'application/json': {
        'schema': {'$ref': f'#/components/schemas/{ref}'}}}}


def _list_of(key: str, item: str) -> Schema:
    return {'type': 'object', 'properties': {key: {
        'type': 'array', 'items': {'$ref': f'#/components/schemas/{item}'}}}}


def _ref(name: str) -> Schema:
    return {'$ref': f'#/components/schemas/{name}'}


# Dynamic action bodies take null for a field not given: the default on
# create, no change on update (where an empty string means no change too).
_TEXT_OR_NULL = {'type': ['string', 'null']}
_SCOPE_OR_NULL = {'type': ['string', 'null'],
                  'enum': ['private', 'public', None]}

# Schemas only the hand-written endpoints use.
EXTRA_SCHEMAS: dict[str, Schema] = {
    'Validation': {
        'type': 'object',
        'properties': {'valid': {'type': 'boolean'},
                       'error': {'type': 'string'}},
        'required': ['valid'],
    },
    'EnvironmentCreate': {
        'type': 'object',
        'properties': {
            'name': {'type': 'string', 'minLength': 1, 'maxLength': 200,
                     'pattern': r'\S'},
            'description': {'type': ['string', 'null']},
            'variables': {'type': ['object', 'null'], 'description':
                          'An object, or a string holding one.'},
            'scope': {'type': 'string', 'enum': ['private', 'public']},
        },
        'required': ['name'],
        'additionalProperties': False,
    },
    'CronTriggerCreate': {
        'type': 'object',
        'description': 'A `pattern` or a `first_execution_time` is '
                       'required, and `workflow_name` or `workflow_id`.',
        'properties': {
            'name': {'type': 'string', 'minLength': 1, 'maxLength': 200},
            'workflow_name': {'type': 'string'},
            'workflow_id': {'type': 'string'},
            'workflow_input': {'type': 'object'},
            'workflow_params': {'type': 'object'},
            'pattern': {'type': 'string', 'description':
                        'Five-field cron pattern.'},
            'first_execution_time': {'type': 'string', 'description':
                                     '`YYYY-MM-DD HH:MM` (UTC), at least '
                                     'a minute ahead.'},
            'remaining_executions': {'type': 'integer', 'minimum': 1},
            'scope': {'type': 'string', 'enum': ['private', 'public']},
        },
        'required': ['name'],
        'additionalProperties': False,
    },
    'DynamicActionCreate': {
        'type': 'object',
        'description': '`code_source_id` or `code_source_name` names the '
                       'module that holds `class_name`.',
        'properties': {
            'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'class_name': {'type': 'string', 'minLength': 1},
            'code_source_id': _TEXT_OR_NULL,
            'code_source_name': _TEXT_OR_NULL,
            'namespace': _TEXT_OR_NULL,
            'scope': _SCOPE_OR_NULL,
        },
        'required': ['name', 'class_name'],
    },
    'DynamicActionUpdate': {
        'type': 'object',
        'description': 'The action is found by `id` or `name`.',
        'properties': {
            'id': _TEXT_OR_NULL,
            'name': _TEXT_OR_NULL,
            'class_name': _TEXT_OR_NULL,
            'code_source_id': _TEXT_OR_NULL,
            'code_source_name': _TEXT_OR_NULL,
            'namespace': _TEXT_OR_NULL,
            'scope': _SCOPE_OR_NULL,
        },
        'anyOf': [{'required': ['id']}, {'required': ['name']}],
    },
    'EventTriggerCreate': {
        'type': 'object',
        'properties': {
            'name': {'type': 'string', 'maxLength': 200},
            'workflow_id': {'type': 'string', 'format': 'uuid'},
            'workflow_input': {'type': 'object'},
            'workflow_params': {'type': 'object'},
            'exchange': {'type': 'string', 'minLength': 1,
                         'maxLength': 80},
            'topic': {'type': 'string', 'minLength': 1, 'maxLength': 80},
            'event': {'type': 'string', 'minLength': 1, 'maxLength': 80},
            'scope': {'type': 'string', 'enum': ['private', 'public']},
        },
        'required': ['exchange', 'topic', 'event', 'workflow_id'],
    },
    'EventTriggerUpdate': {
        'type': 'object',
        'description': 'exchange, topic and event cannot change.',
        'properties': {
            'name': {'type': 'string', 'maxLength': 200},
            'workflow_input': {'type': 'object'},
            'workflow_params': {'type': 'object'},
            'scope': {'type': 'string', 'enum': ['private', 'public']},
        },
    },
    'Versions': {
        'type': 'object',
        'properties': {'versions': {'type': 'array', 'items': {
            'type': 'object',
            'properties': {'id': {'type': 'string'},
                           'status': {'type': 'string'},
                           'links': {'type': 'array', 'items': {
                               'type': 'object'}}}}}},
    },
    'Version': {'type': 'object',
                'properties': {'uri': {'type': 'string'}}},
}


def _answer(status: int, schema: Schema | None,
            description: str = 'Success.') -> dict:
    return {'status': status, 'schema': schema, 'description': description}


# (method, path) -> what the generator cannot see: `body` (a requestBody
# object), `answer` (status and JSON schema of the success answer),
# `errors` (error statuses, replacing the method's default), `summary`
# and `required_query` (query parameters that must be given).
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ('get', '/'): {'answer': _answer(200, _ref('Versions')),
                   'summary': 'The API versions.', 'errors': ()},
    ('get', '/v2'): {'answer': _answer(200, _ref('Version')),
                     'summary': 'The address of version 2.', 'errors': ()},
    ('get', '/v2/openapi.json'): {
        'answer': _answer(200, {'type': 'object'}),
        'summary': 'This OpenAPI document.', 'errors': ()},
    ('get', '/info'): {
        'answer': _answer(200, {'type': 'object'}),
        'summary': 'The contents of `[api] info_json_file_path` when '
                   '`[api] enable_info_endpoint` is on; 400 otherwise.',
        'errors': (400,)},
    ('post', '/v2/workbooks'): {
        'body': _TEXT_BODY, 'answer': _answer(201, _ref('Workbook')),
        'summary': 'Create a workbook with its workflows and actions.'},
    ('put', '/v2/workbooks'): {
        'body': _TEXT_BODY, 'answer': _answer(200, _ref('Workbook')),
        'summary': 'Replace the workbook named in the definition.'},
    ('post', '/v2/workbooks/validate'): {
        'body': _OPTIONAL_TEXT_BODY, 'answer': _answer(200, _ref('Validation')),
        'summary': 'Check a workbook without storing it.',
        'errors': (400, 415, 423)},
    ('post', '/v2/workflows'): {
        'body': _TEXT_BODY,
        'answer': _answer(201, _list_of('workflows', 'Workflow')),
        'summary': 'Create the workflows of a definition.'},
    ('put', '/v2/workflows'): {
        'body': _TEXT_BODY,
        'answer': _answer(200, _list_of('workflows', 'Workflow')),
        'summary': 'Replace the workflows of a definition, by name.'},
    ('put', '/v2/workflows/{identifier}'): {
        'body': _TEXT_BODY, 'answer': _answer(200, _ref('Workflow')),
        'summary': 'Replace one workflow, by id.'},
    ('post', '/v2/workflows/validate'): {
        'body': _OPTIONAL_TEXT_BODY, 'answer': _answer(200, _ref('Validation')),
        'summary': 'Check a workflow definition without storing it.',
        'errors': (400, 415, 423)},
    ('post', '/v2/actions'): {
        'body': _TEXT_BODY,
        'answer': _answer(201, _list_of('actions', 'Action')),
        'summary': 'Create the ad-hoc actions of a definition.'},
    ('put', '/v2/actions'): {
        'body': _TEXT_BODY,
        'answer': _answer(200, _list_of('actions', 'Action')),
        'summary': 'Replace ad-hoc actions, by name.'},
    ('put', '/v2/actions/{identifier}'): {
        'body': _TEXT_BODY, 'answer': _answer(200, _ref('Action')),
        'summary': 'Replace an ad-hoc action.'},
    ('post', '/v2/actions/validate'): {
        'body': _OPTIONAL_TEXT_BODY, 'answer': _answer(200, _ref('Validation')),
        'summary': 'Check an action definition without storing it.',
        'errors': (400, 415, 423)},
    ('post', '/v2/environments'): {
        'body': _json_body('EnvironmentCreate'),
        'answer': _answer(201, _ref('Environment')),
        'summary': 'Create an environment.'},
    ('put', '/v2/environments'): {
        'body': _json_body('EnvironmentCreate'),
        'answer': _answer(200, _ref('Environment')),
        'summary': 'Change the environment named in the body.'},
    ('post', '/v2/code_sources'): {
        'body': {'required': False,
                 'description': 'The Python source of the module.',
                 'content': {'text/plain': {'schema': {'type': 'string'}}}},
        'answer': _answer(201, _ref('CodeSource')),
        'required_query': ('name',),
        'summary': 'Store a Python module that dynamic actions load.'},
    ('put', '/v2/code_sources'): {
        'body': {'required': False,
                 'description': 'The new Python source of the module.',
                 'content': {'text/plain': {'schema': {'type': 'string'}}}},
        'answer': _answer(200, _ref('CodeSource')),
        'required_query': ('identifier',),
        'summary': 'Replace the source of a code source.'},
    ('post', '/v2/dynamic_actions'): {
        'body': _json_body('DynamicActionCreate'),
        'answer': _answer(201, _ref('DynamicAction')),
        'summary': 'Create an action from a class of a code source.'},
    ('put', '/v2/dynamic_actions'): {
        'body': _json_body('DynamicActionUpdate'),
        'answer': _answer(200, _ref('DynamicAction')),
        'summary': 'Change the dynamic action named by `id` or `name`.'},
    ('post', '/v2/event_triggers'): {
        'body': _json_body('EventTriggerCreate'),
        'answer': _answer(201, _ref('EventTrigger')),
        'summary': 'Start a workflow on each matching notification.'},
    ('put', '/v2/event_triggers/{trigger_id}'): {
        'body': _json_body('EventTriggerUpdate'),
        'answer': _answer(200, _ref('EventTrigger')),
        'summary': 'Change the name, input, params or scope of a trigger.'},
    ('post', '/v2/cron_triggers'): {
        'body': _json_body('CronTriggerCreate'),
        'answer': _answer(201, _ref('CronTrigger')),
        'summary': 'Create a cron trigger.'},
}

# Paths served outside the controllers (by WSGI middleware).
MIDDLEWARE_OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ('get', '/healthcheck'): {
        'summary': '`OK` when `[healthcheck] enabled` is on; 404 '
                   'otherwise.',
        'responses': {
            '200': {'description': 'The service is up.', 'content': {
                'text/plain': {'schema': {'type': 'string',
                                          'enum': ['OK']}}}},
            '404': {'description': 'The health check is disabled.',
                    'content': {'application/json': {
                        'schema': ERROR_REF}}},
        },
    },
}

# The summary of a walked operation is the first line of its docstring,
# or made from this table: (method, on one item) -> text around the
# resource name.
VERBS = {
    ('get', False): 'List the {}',
    ('get', True): 'Get one of the {}',
    ('post', False): 'Create {}',
    ('put', True): 'Update one of the {}',
    ('put', False): 'Update {}',
    ('delete', True): 'Delete one of the {}',
}

DESCRIPTION = (
    'The REST API v2 of Mistral, compatible with OpenStack Mistral. '
    'Requests and answers are JSON, except definitions (workflows, '
    'workbooks, ad-hoc actions), which are sent as YAML text. Fields '
    'holding arbitrary JSON (inputs, outputs, params, published '
    'variables) are sent as strings holding JSON. Lists take `limit`, '
    '`marker`, `sort_keys`, `sort_dirs` and `fields`, and filter on their '
    'other parameters.')

# Request fields of the JsonType: an object unless listed here. Strings
# holding JSON are accepted too, as OpenStack Mistral's client sends them.
JSON_INPUT_DEFAULT: Schema = {
    'type': ['object', 'null'],
    'description': 'A JSON object (or a string holding one).'}
JSON_INPUT: dict[tuple[str, str], Schema] = {
    ('ActionExecutionUpdate', 'output'): {
        'description': 'The result: any JSON value.'},
}

# JSON-schema rules merged into the schemas of WSME types, by type name:
# the constraints the controllers check by hand.
_EXECUTION_STATES = ['PAUSED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED']
_GIVEN = {'type': 'string', 'minLength': 1}


def _one_of_given(*names: str) -> list[Schema]:
    """At least one of `names` is given, as a non-empty string."""
    return [{'required': [n], 'properties': {n: _GIVEN}} for n in names]


TYPE_RULES: dict[str, Schema] = {
    'ExecutionCreate': {
        'anyOf': _one_of_given('workflow_id', 'workflow_name',
                               'source_execution_id'),
        'description': 'Start a workflow, by `workflow_id` or '
                       '`workflow_name`, or again with the input and '
                       'params of `source_execution_id`.'},
    'ExecutionUpdate': {
        'properties': {'state': {'enum': _EXECUTION_STATES}},
        'not': {'required': ['state', 'description'], 'properties': {
            'state': {'type': 'string'},
            'description': {'type': 'string'}}},
        'anyOf': _one_of_given('state', 'description') + [
            {'required': ['params'], 'properties': {'params': {
                'type': 'object', 'required': ['env']}}}]},
    'TaskUpdate': {
        'properties': {'state': {'enum': ['RUNNING', 'SKIPPED']}},
        'required': ['state']},
    'ActionExecutionCreate': {'required': ['name'],
                              'properties': {'name': _GIVEN}},
    'MemberCreate': {'required': ['member_id'],
                     'properties': {'member_id': _GIVEN}},
    'MemberUpdate': {'required': ['status']},
    'ActionExecutionUpdate': {
        'properties': {'state': {'enum': _EXECUTION_STATES}},
        'required': ['state']},
    'Maintenance': {
        'properties': {'status': {'enum': ['PAUSED', 'RUNNING']}},
        'required': ['status']},
}

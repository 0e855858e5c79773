"""Sphinx extension: the `mistral-openapi` directive renders the OpenAPI
document of REST API v2 (built by `mistral.api.openapi` from the
controllers, no server needed) as reference sections: one per resource
with its operations, then the schemas."""
from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

REF = '#/components/schemas/'


def _label(name: str) -> str:
    return f'openapi-schema-{name.lower()}'


def _type(schema: dict[str, Any]) -> str:
    """A short rst description of a schema's type."""
    if '$ref' in schema:
        name = schema['$ref'][len(REF):]
        return f':ref:`{name} <{_label(name)}>`'
    kinds = schema.get('type')
    if isinstance(kinds, list):
        kinds = [k for k in kinds if k != 'null']
        nullable = len(kinds) < len(schema['type'])
        kind = kinds[0] if kinds else 'any'
    else:
        kind, nullable = kinds or 'any', False
    if kind == 'array':
        text = f'array of {_type(schema.get("items", {}))}'
    elif kind == 'string' and schema.get('format'):
        text = f'string ({schema["format"]})'
    else:
        text = kind
    if 'enum' in schema:
        text += ': ' + ', '.join(f'``{v}``' for v in schema['enum'])
    if nullable:
        text += ' or null'
    return text


def _one_line(text: str) -> str:
    return ' '.join(str(text).split())


def _notes(schema: dict[str, Any]) -> str:
    parts = []
    if schema.get('description'):
        parts.append(_one_line(schema['description']))
    if schema.get('pattern') and len(schema['pattern']) < 80:
        parts.append(f'Pattern: ``{schema["pattern"]}``')
    for key, word in (('minimum', 'Minimum'), ('minLength', 'At least'),
                      ('maxLength', 'At most')):
        if key in schema:
            suffix = ' characters' if 'Length' in key else ''
            parts.append(f'{word} {schema[key]}{suffix}.')
    return ' '.join(parts)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ['.. list-table::', '   :header-rows: 1', '']
    for row in [header] + rows:
        lines.append(f'   * - {row[0] or " "}')
        lines.extend(f'     - {cell or " "}' for cell in row[1:])
    return lines + ['']


def _title(text: str, char: str) -> list[str]:
    return [text, char * len(text), '']


def _operation(method: str, path: str, op: dict[str, Any]) -> list[str]:
    lines = _title(f'{method.upper()} {path}', '~')
    lines += [_one_line(op.get('summary', '')), '']
    params = op.get('parameters', [])
    if params:
        lines += ['Parameters:', '']
        lines += _table(['name', 'in', 'type', 'notes'], [
            [f'``{p["name"]}``', p['in'] + (', required'
                                            if p.get('required') else ''),
             _type(p['schema']), _notes(p['schema'])] for p in params])
    body = op.get('requestBody')
    if body:
        (ctype, media), = body['content'].items()
        required = '' if body.get('required') else ' (optional)'
        lines += [f'Request body{required}: ``{ctype}``, '
                  f'{_type(media.get("schema", {}))}. '
                  f'{_one_line(body.get("description", ""))}', '']
    rows = []
    for status, answer in op['responses'].items():
        content = answer.get('content', {})
        kind = ', '.join(f'``{c}`` {_type(m.get("schema", {}))}'
                         for c, m in content.items())
        rows.append([status, _one_line(answer['description']), kind])
    lines += ['Responses:', '']
    lines += _table(['status', 'meaning', 'body'], rows)
    return lines


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f'.. _{_label(name)}:', ''] + _title(name, '~')
    if schema.get('description'):
        lines += [_one_line(schema['description']), '']
    required = set(schema.get('required', []))
    props = schema.get('properties', {})
    if props:
        lines += _table(['field', 'type', 'notes'], [
            [f'``{field}``' + (' (required)' if field in required else ''),
             _type(sub), _notes(sub)] for field, sub in props.items()])
    else:
        lines += [f'Type: {_type(schema)}.', '']
    return lines


def render(document: dict[str, Any]) -> list[str]:
    """The rst lines of the reference, resource by resource."""
    by_tag: dict[str, list[tuple[str, str, dict]]] = {}
    for path, operations in document['paths'].items():
        for method, op in operations.items():
            tag = (op.get('tags') or ['root'])[0]
            by_tag.setdefault(tag, []).append((method, path, op))
    lines: list[str] = []
    for tag in sorted(by_tag, key=lambda t: (t != 'root', t)):
        lines += _title(tag.replace('_', ' ').capitalize(), '-')
        for method, path, op in by_tag[tag]:
            lines += _operation(method, path, op)
    lines += _title('Schemas', '-')
    for name, schema in document['components']['schemas'].items():
        lines += _schema(name, schema)
    return lines


class OpenApiDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from mistral.api import openapi
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(
            render(openapi.document()), source='<openapi>'), container)
        return container.children


def setup(app) -> dict[str, Any]:
    app.add_directive('mistral-openapi', OpenApiDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}

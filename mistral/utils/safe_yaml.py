"""A hardened YAML loader for definitions sent by clients.

Rejects what a hostile or careless document can use to hurt the service:
duplicate keys (silently dropped by plain PyYAML), alias bombs ("billion
laughs"), excessive nesting and oversized documents.
"""
from __future__ import annotations

from typing import Any

import yaml

from mistral import exceptions as exc

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""

    def construct_mapping(self, node: yaml.MappingNode,
                          deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise exc.DSLParsingError(
                    f'Unhashable mapping key at line '
                    f'{key_node.start_mark.line + 1}')
            if duplicate:
                raise exc.DSLParsingError(
                    f"Duplicate key '{key}' at line "
                    f'{key_node.start_mark.line + 1}, first defined at line '
                    f'{seen[key].start_mark.line + 1}')
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _check_shape(root: yaml.Node) -> None:
    """Bound depth and the size the document has once aliases expand."""
    sizes: dict[int, int] = {}

    def expanded_size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise exc.DSLParsingError(
                f'YAML document is nested deeper than {MAX_DEPTH} levels '
                f'(line {node.start_mark.line + 1})')
        known = sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                size += expanded_size(k, depth + 1)
                size += expanded_size(v, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                size += expanded_size(item, depth + 1)
        if size > MAX_EXPANDED_NODES:
            raise exc.DSLParsingError(
                'YAML document expands to more than '
                f'{MAX_EXPANDED_NODES} nodes (alias bomb?)')
        sizes[id(node)] = size
        return size

    expanded_size(root, 0)


def load(text: str | bytes) -> Any:
    """Parse one YAML document safely; empty document gives {}."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError:
            raise exc.DSLParsingError('Definition is not valid UTF-8 text')
    if len(text) > MAX_DOCUMENT_BYTES:
        raise exc.DSLParsingError(
            f'Definition is larger than {MAX_DOCUMENT_BYTES} bytes')
    try:
        # The reader checks the characters as soon as the loader is made.
        loader = _StrictLoader(text)
    except yaml.YAMLError as e:
        raise exc.DSLParsingError(f'Definition could not be parsed: {e}')
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        _check_shape(node)
        return loader.construct_document(node)
    except yaml.YAMLError as e:
        raise exc.DSLParsingError(f'Definition could not be parsed: {e}')
    finally:
        loader.dispose()


def key_lines(text: str | bytes) -> dict[tuple, int]:
    """Line (1-based) of every mapping key and list item, by its path of
    keys and indexes; used to point errors at the YAML source."""
    if isinstance(text, bytes):
        text = text.decode('utf-8', errors='replace')
    try:
        loader = _StrictLoader(text)
    except yaml.YAMLError:
        return {}
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        return {}
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}

    def walk(node: yaml.Node, path: tuple, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    sub = path + (key.value,)
                    lines.setdefault(sub, key.start_mark.line + 1)
                    walk(value, sub, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(path + (i,), item.start_mark.line + 1)
                walk(item, path + (i,), depth + 1)

    if root is not None:
        walk(root, (), 0)
    return lines


def dump(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False)

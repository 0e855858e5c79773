"""Dynamic actions: action classes compiled from stored code sources.

The engine resolves a dynamic action to an *action source* (a plain dict
that travels with the action to the executor, so executors need no
database): the code source's id, name, version, text and its digest, and
the class name. Each process compiles a code source once per digest into
a fresh module that is not put in `sys.modules`, so two versions of one
code source never see each other.
"""
from __future__ import annotations

import hashlib
import threading
import types
from collections import OrderedDict
from typing import Any

from mistral import exceptions as exc
from mistral.actions import registry

# Compiled modules kept per process; a code source is small, but a server
# that lives long may see many versions of it.
CACHE_SIZE = 256

_lock = threading.Lock()
_modules: 'OrderedDict[tuple[str, str], types.ModuleType]' = OrderedDict()


def digest(content: str) -> str:
    return hashlib.sha256(content.encode('utf-8')).hexdigest()


def action_source(code_source: Any, class_name: str) -> dict:
    """What an executor needs to run a class of `code_source` (a row)."""
    return {
        'code_source_id': code_source.id,
        'code_source_name': code_source.name,
        'version': code_source.version,
        'digest': digest(code_source.content),
        'content': code_source.content,
        'class_name': class_name,
    }


def check_syntax(name: str, content: str) -> None:
    """Refuse code that does not even parse (raises InputError)."""
    try:
        compile(content, f'<code source {name}>', 'exec')
    except (SyntaxError, ValueError) as e:
        raise exc.InputError(f"Code source '{name}' is not valid Python: "
                             f'{e}')


def load_module(source: dict) -> types.ModuleType:
    """The code source compiled into a module, from the cache if this
    process already compiled the same text of the same code source."""
    key = (source['code_source_id'],
           source.get('digest') or digest(source['content']))
    with _lock:
        module = _modules.get(key)
        if module is not None:
            _modules.move_to_end(key)
            return module
    name = source.get('code_source_name') or 'dynamic_action_module'
    module = types.ModuleType(name)
    module.__file__ = f'<code source {name}>'
    try:
        code = compile(source['content'], module.__file__, 'exec')
        exec(code, module.__dict__)  # noqa: S102 - running it is the point
    except Exception as e:
        raise exc.InputError(
            f"Can not load code source '{name}' (version "
            f"{source.get('version')}): {type(e).__name__}: {e}")
    with _lock:
        _modules[key] = module
        while len(_modules) > CACHE_SIZE:
            _modules.popitem(last=False)
    return module


def action_info(name: str, source: dict) -> registry.ActionInfo:
    """Describe the dynamic action `name` (its class from `source`)."""
    module = load_module(source)
    class_name = source['class_name']
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise exc.InputError(
            f"Class '{class_name}' of dynamic action '{name}' not found in "
            f"code source '{source.get('code_source_name')}'")
    if not callable(getattr(cls, 'run', None)):
        raise exc.InputError(
            f"Class '{class_name}' of dynamic action '{name}' has no "
            'run(context) method')
    return registry.describe(name, cls)


def clear_cache() -> None:
    with _lock:
        _modules.clear()

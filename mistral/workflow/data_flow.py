"""How data moves between tasks: contexts, publish and workflow output.

All functions are pure: the caller passes every value in.
"""
from __future__ import annotations

import copy
from typing import Any

from mistral import exceptions as exc
from mistral import expressions
from mistral.expressions import functions

# Per-key publish versions carried in branch contexts (context
# versioning): merging branches keeps the most recently published value.
VERSIONS_KEY = '__ctx_versions'

# Keys the engine keeps in contexts that users never see in outputs.
INTERNAL_KEYS = frozenset({functions.EXECUTION_KEY, functions.TASK_KEY,
                           functions.ENV_KEY, functions.LOOKUPS_KEY,
                           VERSIONS_KEY, 'openstack'})


def merge_dicts(left: dict, right: dict, deep: bool = False) -> dict:
    """`right` wins; with `deep`, nested dicts are merged key by key."""
    if not deep:
        return {**left, **right}
    out = dict(left)
    for k, v in right.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_dicts(out[k], v, deep=True)
        else:
            out[k] = v
    return out


def evaluation_data(*layers: dict | None, lookups: Any = None,
                    env: dict | None = None) -> dict:
    """The data an expression sees; earlier layers have higher priority."""
    data: dict = {}
    for layer in reversed(layers):
        if layer:
            data.update(layer)
    data[functions.ENV_KEY] = env or {}
    if lookups is not None:
        data[functions.LOOKUPS_KEY] = lookups
    return data


def strip_internal(ctx: dict) -> dict:
    return {k: v for k, v in ctx.items() if k not in INTERNAL_KEYS}


def validate_input(spec_params, given: dict, kind: str,
                   name: str) -> dict:
    """Fill defaults and reject missing or unexpected workflow input."""
    declared = {p.name for p in spec_params}
    missing = [p.name for p in spec_params
               if p.required and p.name not in given]
    unexpected = [k for k in given if k not in declared]
    if missing or unexpected:
        raise exc.WorkflowInputError(kind, name, missing, unexpected)
    result = {p.name: copy.deepcopy(p.default) for p in spec_params
              if not p.required}
    result.update(given)
    return result


def evaluate_publish(publish: dict | None, data: dict) -> dict:
    if not publish:
        return {}
    return expressions.evaluate_recursively(publish, data)


def outbound_context(in_context: dict, published: dict,
                     deep_merge: bool = False,
                     version: int | None = None) -> dict:
    """A task's context as its successors see it; with `version`, the
    published keys are stamped with it."""
    out = merge_dicts(in_context, published, deep=deep_merge)
    if version is not None and published:
        out[VERSIONS_KEY] = {**in_context.get(VERSIONS_KEY, {}),
                             **{k: version for k in published}}
    return out


def merge_contexts(contexts: list[dict], by_version: bool,
                   deep: bool = False) -> dict:
    """Merge branch contexts (at a join, or at the end of a workflow).

    By version, each key keeps the value published last, whichever branch
    it came from; otherwise later contexts simply win.
    """
    if not by_version:
        merged: dict = {}
        for ctx in contexts:
            merged = merge_dicts(merged, ctx, deep=deep)
        return merged
    merged, versions = {}, {}
    for ctx in contexts:
        ctx_versions = ctx.get(VERSIONS_KEY, {})
        for key, value in ctx.items():
            if key == VERSIONS_KEY:
                continue
            version = ctx_versions.get(key, 0)
            if key not in merged or version >= versions[key]:
                if deep and isinstance(value, dict) and \
                        isinstance(merged.get(key), dict):
                    value = merge_dicts(merged[key], value, deep=True)
                merged[key] = value
                versions[key] = version
    merged[VERSIONS_KEY] = versions
    return merged

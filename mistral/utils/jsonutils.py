"""JSON helpers shared by storage and the API."""
from __future__ import annotations

import datetime
import json
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat(sep=' ')
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, 'to_dict'):
        return value.to_dict()
    return str(value)


def dumps(value: Any, **kwargs: Any) -> str:
    return json.dumps(value, default=_default, **kwargs)


def loads(text: str | bytes) -> Any:
    return json.loads(text)


def size_kb(value: Any) -> int:
    """Size of a value once serialised, in whole KB (rounded up)."""
    return (len(dumps(value).encode('utf-8')) + 1023) // 1024

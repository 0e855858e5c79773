"""Small text helpers."""
from __future__ import annotations

# Upstream cuts state_info to fit a TEXT column on every database.
STATE_INFO_LIMIT = 65500


def cut(text: str | None, limit: int = STATE_INFO_LIMIT) -> str | None:
    """`text` shortened to `limit` characters, marked with '...'."""
    if text is not None and len(text) > limit:
        return text[:limit - 3] + '...'
    return text

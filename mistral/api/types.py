"""WSME data types shared by the resources."""
from __future__ import annotations

import datetime
import json

from wsme import types as wtypes


class JsonType(wtypes.UserType):
    """Any JSON value. Sent to clients as a JSON *string* (like upstream);
    accepted from clients as a JSON value or as a string holding JSON."""

    basetype = wtypes.text
    name = 'json'

    def validate(self, value):
        return value

    def tobasetype(self, value):
        return None if value is None else json.dumps(value)

    def frombasetype(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError:
                # Not JSON text: the string itself is the value. Fields
                # that need an object say so where they are used.
                return value
        return value


jsontype = JsonType()


def timestamp(value: datetime.datetime | None) -> str | None:
    """Upstream's wire format for dates: 'YYYY-MM-DD HH:MM:SS'."""
    return value.strftime('%Y-%m-%d %H:%M:%S') if value else None

"""Who is asking: the security context of one request or execution.

Passed explicitly from the API to the services; never stored in a
thread-local.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mistral.db.models import DEFAULT_PROJECT_ID


@dataclass(frozen=True)
class RequestContext:
    project_id: str = DEFAULT_PROJECT_ID
    user_id: str | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)
    auth_token: str | None = None

    @property
    def is_admin(self) -> bool:
        return 'admin' in self.roles


ANONYMOUS = RequestContext()

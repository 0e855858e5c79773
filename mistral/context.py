"""Who is asking: the security context of one request or execution.

Passed explicitly from the API to the services; never stored in a
thread-local.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mistral.db.models import DEFAULT_PROJECT_ID


@dataclass(frozen=True)
class TargetCloud:
    """Another cloud the actions of a request should act on (the
    X-Target-* headers), instead of the caller's own."""
    auth_uri: str
    auth_token: str
    project_id: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    region_name: str | None = None
    insecure: bool = False
    service_catalog: object | None = None


@dataclass(frozen=True)
class RequestContext:
    project_id: str = DEFAULT_PROJECT_ID
    user_id: str | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)
    auth_token: str | None = None
    # Set from Keystone's identity headers when authentication is on.
    user_name: str | None = None
    project_name: str | None = None
    region_name: str | None = None
    service_catalog: object | None = field(default=None, compare=False)
    target: TargetCloud | None = field(default=None, compare=False)

    @property
    def is_admin(self) -> bool:
        return 'admin' in self.roles

    def masked(self) -> dict:
        """The context as workflows may see it: secrets replaced by
        '***' (spec 2.3, `$.openstack`)."""
        return {
            'project_id': self.project_id, 'user_id': self.user_id,
            'user_name': self.user_name, 'project_name': self.project_name,
            'roles': list(self.roles), 'is_admin': self.is_admin,
            'region_name': self.region_name,
            'auth_token': '***' if self.auth_token else None,
            'service_catalog': '***' if self.service_catalog else None,
        }


ANONYMOUS = RequestContext()

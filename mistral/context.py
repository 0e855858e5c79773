"""Who is asking: the security context of one request or execution.

Passed explicitly from the API to the services; never stored in a
thread-local.
"""
from __future__ import annotations

import dataclasses
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
    # Keystone's public URI, where actions log in with `auth_token`.
    auth_uri: str | None = None

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
            'auth_uri': self.auth_uri,
            'is_target': self.target is not None,
            'target_auth_uri': self.target.auth_uri if self.target else None,
            'target_project_id': (self.target.project_id if self.target
                                  else None),
            'target_user_id': self.target.user_id if self.target else None,
            'target_user_name': (self.target.user_name if self.target
                                 else None),
            'target_region_name': (self.target.region_name if self.target
                                   else None),
            'target_auth_token': ('***' if self.target else None),
            'target_service_catalog': (
                '***' if self.target and self.target.service_catalog
                else None),
        }

    def to_wire(self) -> dict:
        """Everything, secrets included: what an execution stores so
        that its actions can act for the caller later (never shown by
        the API)."""
        data = dataclasses.asdict(self)
        data['roles'] = list(self.roles)
        return data

    @classmethod
    def from_wire(cls, data: dict) -> 'RequestContext':
        data = dict(data)
        target = data.pop('target', None)
        data['roles'] = tuple(data.get('roles') or ())
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known},
                   target=TargetCloud(**target) if target else None)


ANONYMOUS = RequestContext()

"""The two base rules every other default is written in terms of."""
from __future__ import annotations

from oslo_policy import policy

ADMIN_ONLY = 'rule:admin_only'
# The target of every check is the caller's own project, so in effect any
# authenticated user passes "owner" rules; which rows they reach is decided
# by the project scoping of the services, not by policy.
ADMIN_OR_OWNER = 'rule:admin_or_owner'


def rules() -> list[policy.RuleDefault]:
    return [
        policy.RuleDefault(
            'admin_only', 'is_admin:True',
            description='Callers with the admin role.'),
        policy.RuleDefault(
            'admin_or_owner', 'is_admin:True or project_id:%(project_id)s',
            description='Admins, and callers acting in the project of the '
                        'target.'),
    ]

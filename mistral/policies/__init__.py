"""Default RBAC rules of the REST API, defined in code (oslo.policy).

Operators override any of them in a policy file (`[oslo_policy]
policy_file`); `etc/policy.yaml.sample` lists them all with their defaults.
"""
from __future__ import annotations

from oslo_policy import policy

from mistral.policies import base, resources


def list_rules() -> list[policy.RuleDefault]:
    """Every rule, for the enforcer and for `oslopolicy-sample-generator`
    (entry point `oslo.policy.policies`, namespace `mistral`)."""
    return [*base.rules(), *resources.rules()]

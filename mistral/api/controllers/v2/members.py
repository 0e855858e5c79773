"""/v2/workflows/<workflow_id>/members: sharing a private workflow with
other projects."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes

from mistral.api import errors
from mistral.api.controllers.v2 import resources
from mistral.api.services import ApiServices, request_context
from mistral.services import members as member_service

text = wtypes.text


def _given(value):
    return None if value is wtypes.Unset else value


class MembersController(rest.RestController):
    """Nested under WorkflowsController: pecan passes the workflow id as
    the first argument of every method."""

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.Member, text, text)
    def get_one(self, workflow_id, member_id):
        with self.services.store.read() as session:
            return resources.Member.from_row(member_service.get_member(
                session, workflow_id, member_id,
                request_context().project_id))

    @errors.expose(resources.Members, text)
    def get_all(self, workflow_id):
        with self.services.store.read() as session:
            rows = member_service.list_members(
                session, workflow_id, request_context().project_id)
            return resources.Members(
                members=[resources.Member.from_row(r) for r in rows])

    @errors.expose(resources.Member, text, body=resources.MemberCreate,
                   status_code=201)
    def post(self, workflow_id, body):
        """Share the workflow with project `member_id` (status pending)."""
        project_id = request_context().project_id
        return self.services.store.run_in_transaction(
            lambda s: resources.Member.from_row(member_service.share(
                s, workflow_id, _given(body.member_id), project_id)))

    @errors.expose(resources.Member, text, text, body=resources.MemberUpdate)
    def put(self, workflow_id, member_id, body):
        """The member project accepts or rejects the share."""
        project_id = request_context().project_id
        return self.services.store.run_in_transaction(
            lambda s: resources.Member.from_row(member_service.set_status(
                s, workflow_id, member_id, _given(body.status),
                project_id)))

    @errors.expose(None, text, text, status_code=204)
    def delete(self, workflow_id, member_id):
        """The owner stops sharing the workflow with `member_id`."""
        project_id = request_context().project_id
        self.services.store.run_in_transaction(
            lambda s: member_service.unshare(s, workflow_id, member_id,
                                             project_id))

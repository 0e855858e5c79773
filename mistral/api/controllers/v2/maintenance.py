"""/v2/maintenance (also served as /maintenance, upstream's path).

Asking for PAUSED answers PAUSING: the engines pause every running
execution, then the status becomes PAUSED. The 423 answers while in
maintenance come from `MaintenanceMiddleware` in mistral.api.app.
"""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes

from mistral import exceptions as exc
from mistral.api import errors
from mistral.api.controllers.v2 import resources
from mistral.api.services import ApiServices
from mistral.services import maintenance


class MaintenanceController(rest.RestController):
    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.Maintenance)
    def get_all(self):
        with self.services.store.read() as session:
            return resources.Maintenance(
                status=maintenance.get_status(session))

    @errors.expose(resources.Maintenance, body=resources.Maintenance)
    def put(self, body):
        status = None if body.status is wtypes.Unset else body.status
        if not status:
            raise exc.InputError("The property 'status' is required: "
                                 f'one of {list(maintenance.SETTABLE)}')
        # PAUSED answers PAUSING until every running execution is paused
        # (done by an engine, see mistral.services.maintenance).
        now = self.services.store.run_in_transaction(
            lambda s: maintenance.request_status(s, status))
        return resources.Maintenance(status=now)


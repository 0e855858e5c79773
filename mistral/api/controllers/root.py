"""/ and /v2"""
from __future__ import annotations

import pecan

from mistral.api.controllers.v2.action_executions import \
    ActionExecutionsController
from mistral.api.controllers.v2.actions import ActionsController
from mistral.api.controllers.v2.executions import ExecutionsController
from mistral.api.controllers.v2.tasks import TasksController
from mistral.api.controllers.v2.workbooks import WorkbooksController
from mistral.api.controllers.v2.workflows import WorkflowsController
from mistral.api.services import ApiServices, base_url


class V2Controller:
    def __init__(self, services: ApiServices) -> None:
        self.workbooks = WorkbooksController(services)
        self.workflows = WorkflowsController(services)
        self.executions = ExecutionsController(services)
        self.tasks = TasksController(services)
        self.action_executions = ActionExecutionsController(services)
        self.actions = ActionsController(services)

    @pecan.expose('json')
    def index(self):
        return {'uri': f'{base_url()}/v2'}


class RootController:
    def __init__(self, services: ApiServices) -> None:
        self.v2 = V2Controller(services)

    @pecan.expose('json')
    def index(self):
        return {'versions': [{
            'id': 'v2.0', 'status': 'CURRENT',
            'links': [{'href': f'{base_url()}/v2', 'target': 'v2',
                       'rel': 'self'}],
        }]}

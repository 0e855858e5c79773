"""/ and /v2, plus /info and /maintenance"""
from __future__ import annotations

import json

import pecan
from pecan import rest

from mistral import exceptions as exc
from mistral.api import errors, openapi
from mistral.api.controllers.v2.action_executions import \
    ActionExecutionsController
from mistral.api.controllers.v2.actions import ActionsController
from mistral.api.controllers.v2.code_sources import CodeSourcesController
from mistral.api.controllers.v2.dynamic_actions import \
    DynamicActionsController
from mistral.api.controllers.v2.cron_triggers import CronTriggersController
from mistral.api.controllers.v2.environments import EnvironmentsController
from mistral.api.controllers.v2.event_triggers import \
    EventTriggersController
from mistral.api.controllers.v2.executions import ExecutionsController
from mistral.api.controllers.v2.maintenance import MaintenanceController
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
        self.code_sources = CodeSourcesController(services)
        self.dynamic_actions = DynamicActionsController(services)
        self.environments = EnvironmentsController(services)
        self.cron_triggers = CronTriggersController(services)
        self.event_triggers = EventTriggersController(services)
        self.maintenance = MaintenanceController(services)

    @pecan.expose('json')
    def index(self):
        return {'uri': f'{base_url()}/v2'}

    @pecan.expose('json', route='openapi.json')
    def openapi(self):
        """This API described in OpenAPI 3.1."""
        return openapi.document()


class InfoController(rest.RestController):
    """GET /info: the contents of `[api] info_json_file_path`, when
    `[api] enable_info_endpoint` is on (`info_file` is then its path)."""

    def __init__(self, info_file: str | None) -> None:
        self.info_file = info_file

    @pecan.expose('json')
    @errors.text_endpoint
    def get_all(self):
        if self.info_file is None:
            raise exc.InputError('Info endpoint disabled.')
        try:
            with open(self.info_file, encoding='utf-8') as f:
                return json.load(f)
        except OSError:
            raise exc.InputError('Incorrect path to info json file.')
        except ValueError as e:
            raise exc.InputError(f'Info json file is not valid JSON: {e}')


class RootController:
    def __init__(self, services: ApiServices,
                 info_file: str | None = None) -> None:
        self.v2 = V2Controller(services)
        self.info = InfoController(info_file)
        self.maintenance = self.v2.maintenance

    @pecan.expose('json')
    def index(self):
        return {'versions': [{
            'id': 'v2.0', 'status': 'CURRENT',
            'links': [{'href': f'{base_url()}/v2', 'target': 'v2',
                       'rel': 'self'}],
        }]}

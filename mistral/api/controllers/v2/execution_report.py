"""/v2/executions/<id>/report"""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes

from mistral.api import errors
from mistral.api.controllers.v2 import resources
from mistral.api.controllers.v2.sub_executions import (bool_param,
                                                       depth_param,
                                                       own_execution)
from mistral.api.services import ApiServices
from mistral.db import models
from mistral.services import execution_tree

text = wtypes.text


class ExecutionReportController(rest.RestController):
    """The execution tree with its tasks, actions and sub-workflows, and
    task counts by state."""

    def __init__(self, services: ApiServices) -> None:
        self.services = services

    @errors.expose(resources.ExecutionReport, text, text, text, text)
    def get_all(self, execution_id, errors_only=None, max_depth=None,
                statistics_only=None):
        only_errors = bool_param('errors_only', errors_only)
        depth = depth_param(max_depth)
        stats_only = bool_param('statistics_only', statistics_only)
        with self.services.store.read() as session:
            report = execution_tree.build_report(
                session, own_execution(session, execution_id), only_errors,
                depth, models.utcnow(), statistics_only=stats_only)
            stats = report.statistics
            result = resources.ExecutionReport(
                statistics=resources.ExecutionReportStatistics(
                    total_tasks_count=stats.total_tasks_count,
                    running_tasks_count=stats.running_tasks_count,
                    success_tasks_count=stats.success_tasks_count,
                    error_tasks_count=stats.error_tasks_count,
                    idle_tasks_count=stats.idle_tasks_count,
                    paused_tasks_count=stats.paused_tasks_count,
                    estimated_time=stats.estimated_time))
            if report.root is not None:
                result.root_workflow_execution = \
                    resources.workflow_report_entry(report.root)
            return result

"""The WSGI application of REST API v2."""
from __future__ import annotations

import pecan
from pecan import hooks

from mistral.api.controllers.root import RootController
from mistral.api.errors import JsonErrorMiddleware
from mistral.api.services import ApiServices
from mistral.context import RequestContext
from mistral.db.models import DEFAULT_PROJECT_ID


class ContextHook(hooks.PecanHook):
    """Builds the caller's context. Without Keystone every request acts in
    the default project (upstream's behaviour with auth disabled)."""

    def before(self, state) -> None:
        state.request.mistral_context = RequestContext(
            project_id=DEFAULT_PROJECT_ID)


def build_app(services: ApiServices, debug: bool = False):
    app = pecan.make_app(
        RootController(services),
        hooks=[ContextHook()],
        debug=debug,
        force_canonical=False,
        guess_content_type_from_ext=False,
    )
    return JsonErrorMiddleware(app)

"""Notifications: workflow and task events sent to publishers (webhook,
noop, plugins) named in an execution's `params.notify`.

The engine records events inside its transaction (`recorder`), hands them
over after commit (`engine_hook`), and a `Notifier` (in the engine process
or in the `notifier` service) delivers them to the publishers.
"""

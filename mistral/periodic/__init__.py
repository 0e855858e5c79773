"""The `periodic` service: loops that act on stored schedules."""

"""The `event-engine` service: start workflows on notifications."""

"""Command-line entry points: the composition roots."""

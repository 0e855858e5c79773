"""Mistral: a workflow service compatible with OpenStack Mistral."""

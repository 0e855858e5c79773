"""Validation errors point at the YAML line of the field."""
import pytest

from mistral import exceptions as exc
from mistral.lang import parser


def test_error_message_names_the_line_of_the_field():
    with pytest.raises(exc.InvalidModelError) as error:
        parser.parse_workflows(
            "version: '2.0'\n"
            "wf:\n"
            "  tasks:\n"
            "    t1:\n"
            "      action: std.echo\n"
            "      publish:\n"
            "        a: <% $.( %>\n")
    assert error.value.errors[0].startswith('wf.tasks.t1.publish.a: ')
    assert str(error.value).endswith('(line 7)')


def test_unknown_key_points_at_its_task():
    with pytest.raises(exc.InvalidModelError) as error:
        parser.parse_workflows("version: '2.0'\nwf:\n  tasks:\n"
                               "    t1: {bogus: 1}\n")
    assert "'bogus' was unexpected) (line 4)" in str(error.value)

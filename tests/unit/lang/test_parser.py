"""Definition documents: YAML safety, versions, top-level shape (spec §1.1)."""
import pytest

from mistral import exceptions as exc
from mistral.lang import parser
from mistral.utils import safe_yaml

ONE_TASK = """
wf:
  tasks:
    t1:
      action: std.noop
"""


@pytest.mark.parametrize('version_line', [
    "version: '2.0'", 'version: 2.0', "version: '2'", 'version: 2', ''])
def test_supported_or_missing_version_is_accepted(version_line):
    specs = parser.parse_workflows(version_line + '\n' + ONE_TASK)
    assert [s.name for s in specs] == ['wf']


@pytest.mark.parametrize('version', ["'1.0'", "'3.0'", '3', 'null', "'v2'"])
def test_other_versions_are_rejected(version):
    with pytest.raises(exc.DSLParsingError, match='Unsupported DSL version'):
        parser.parse_workflows(f'version: {version}\n' + ONE_TASK)


def test_several_workflows_in_one_document_keep_their_order():
    specs = parser.parse_workflows("""
version: '2.0'
second:
  tasks:
    a: {}
first:
  tasks:
    b: {}
""")
    assert [s.name for s in specs] == ['second', 'first']


def test_document_with_only_a_version_needs_one_item():
    with pytest.raises(exc.InvalidModelError) as e:
        parser.parse_workflows("version: '2.0'\n")
    assert e.value.errors == ['<root>: At least one item must be in the list']


@pytest.mark.parametrize('text', ['- a\n- b\n', 'just text\n', '42\n'])
def test_top_level_must_be_a_mapping(text):
    with pytest.raises(exc.DSLParsingError, match='must be a YAML mapping'):
        parser.parse_workflows(text)


def test_invalid_yaml_is_a_parsing_error():
    with pytest.raises(exc.DSLParsingError, match='could not be parsed'):
        parser.parse_workflows('wf:\n  tasks: [\n')


def test_duplicate_keys_are_rejected_with_both_lines():
    text = 'wf:\n  tasks:\n    t1: {}\n    t1: {}\n'
    with pytest.raises(exc.DSLParsingError) as e:
        parser.parse_workflows(text)
    assert str(e.value) == ("Duplicate key 't1' at line 4, first defined at "
                            'line 3')


def test_duplicate_top_level_workflow_is_rejected():
    with pytest.raises(exc.DSLParsingError, match="Duplicate key 'wf'"):
        parser.parse_workflows(ONE_TASK + ONE_TASK)


def test_alias_bomb_is_rejected():
    lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for prev, cur in zip('abcdef', 'bcdefg'):
        lines.append(f'{cur}: &{cur} [' + ', '.join([f'*{prev}'] * 10) + ']')
    with pytest.raises(exc.DSLParsingError, match='alias bomb'):
        safe_yaml.load('\n'.join(lines))


def test_small_aliases_are_fine():
    data = safe_yaml.load('a: &x {k: 1}\nb: *x\n')
    assert data == {'a': {'k': 1}, 'b': {'k': 1}}


def test_excessive_nesting_is_rejected():
    with pytest.raises(exc.DSLParsingError, match='nested deeper'):
        safe_yaml.load('[' * 70 + ']' * 70)


def test_oversized_document_is_rejected():
    text = 'a: "' + 'x' * (safe_yaml.MAX_DOCUMENT_BYTES + 1) + '"'
    with pytest.raises(exc.DSLParsingError, match='larger than'):
        safe_yaml.load(text)


def test_empty_document_is_an_empty_dict():
    assert safe_yaml.load('') == {}
    assert safe_yaml.load('# only a comment\n') == {}


def test_bytes_must_be_utf8():
    assert safe_yaml.load('a: é'.encode()) == {'a': 'é'}
    with pytest.raises(exc.DSLParsingError, match='UTF-8'):
        safe_yaml.load(b'a: \xff\xfe')


def test_python_tags_are_not_constructed():
    with pytest.raises(exc.DSLParsingError):
        safe_yaml.load('a: !!python/object/apply:os.system ["true"]')


def test_workflow_definition_round_trips_through_the_parser():
    spec, = parser.parse_workflows(ONE_TASK)
    text = parser.workflow_definition(spec)
    again, = parser.parse_workflows(text)
    assert again.name == 'wf'
    assert again.raw == spec.raw
    assert parser.spec_from_stored('wf', spec.raw).tasks.keys() == {'t1'}


def test_control_character_is_a_parsing_error() -> None:
    # PyYAML's reader refuses it while the loader is being made.
    with pytest.raises(exc.DSLParsingError,
                       match='special characters are not allowed'):
        safe_yaml.load('a\x16')
    assert safe_yaml.key_lines('a\x16') == {}
